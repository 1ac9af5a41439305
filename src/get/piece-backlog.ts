/**
 * The pieces a download has received whole and not yet stored: waiting for their hash check or
 * for their write. Past `limitBytes` the download asks peers for nothing new (as libtorrent's
 * max_queued_disk_bytes); the requests already out still arrive. Without it a hash worker or a
 * disk slower than the network would let pieces pile up in memory without end.
 */
export class PieceBacklog {
  readonly #limitBytes: number
  readonly #pieces = new Map<number, number>()
  #bytes = 0

  constructor (limitBytes: number) {
    this.#limitBytes = limitBytes
  }

  get bytes (): number { return this.#bytes }

  get full (): boolean { return this.#bytes >= this.#limitBytes }

  /** A piece came in whole; added once however often it is reported. */
  add (index: number, bytes: number): void {
    if (this.#pieces.has(index)) return
    this.#pieces.set(index, bytes)
    this.#bytes += bytes
  }

  /** The piece was stored or failed its check; a piece never added is ignored. */
  remove (index: number): void {
    const bytes = this.#pieces.get(index)
    if (bytes === undefined) return
    this.#pieces.delete(index)
    this.#bytes -= bytes
  }
}
