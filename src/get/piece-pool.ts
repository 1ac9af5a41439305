import { ownsWholeBuffer } from './own-buffer.js'

/**
 * Piece buffers kept for reuse once the store has written them. A download otherwise allocates a
 * fresh buffer per piece: a GiB of ArrayBuffers per GiB moved, whose external-memory accounting
 * starts V8 mark-compacts and whose fresh pages fault in as the blocks are copied. A buffer is
 * given back only when nothing else holds it (after its store write), and taken by the next piece
 * of the same length, which overwrites every byte before anyone reads it.
 */
export class PiecePool {
  readonly #free = new Map<number, Uint8Array[]>()
  readonly #maxBytes: number
  #bytes = 0

  constructor (maxBytes: number) {
    this.#maxBytes = maxBytes
  }

  /** Bytes held for reuse. */
  get bytes (): number { return this.#bytes }

  take (length: number): Uint8Array {
    const buf = this.#free.get(length)?.pop()
    if (buf === undefined) return new Uint8Array(length)
    this.#bytes -= length
    return buf
  }

  /** A buffer no one will read or write again; kept if it owns its memory and there is room. */
  give (buf: Uint8Array): void {
    const length = buf.byteLength
    if (length === 0 || !ownsWholeBuffer(buf)) return
    if (this.#bytes + length > this.#maxBytes) return
    let free = this.#free.get(length)
    if (free === undefined) this.#free.set(length, free = [])
    free.push(buf)
    this.#bytes += length
  }

  clear (): void {
    this.#free.clear()
    this.#bytes = 0
  }
}
