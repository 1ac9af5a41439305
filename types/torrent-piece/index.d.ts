declare module 'torrent-piece' {
  /** One piece being downloaded: block reservations and the blocks received (torrent-piece 4, as patched). */
  export default class Piece {
    static readonly BLOCK_LENGTH: number
    /** Allocates a piece's buffer at its first block (patched in; the default is `new Uint8Array`). */
    static alloc: (length: number) => Uint8Array
    /** Copies a block into its piece's buffer at `offset` (patched in; the default is `target.set`). */
    static copy: (target: Uint8Array, data: Uint8Array, offset: number) => void
    constructor (length: number)
    readonly length: number
    /** Bytes not yet received. */
    missing: number
    /** Whatever `set` was given as the source of each block (webtorrent passes the wire). */
    sources: unknown[] | null
    chunkLength (i: number): number
    chunkLengthRemaining (i: number): number
    chunkOffset (i: number): number
    /** The next block to request, or -1. */
    reserve (): number
    reserveRemaining (): number
    cancel (i: number): void
    cancelRemaining (i: number): void
    get (i: number): Uint8Array | null
    /** Takes the data of block `i` (and the blocks after it that `data` covers); true once the piece is whole. */
    set (i: number, data: Uint8Array, source: unknown): boolean
    /** The whole piece once every block is in, else null; the piece is done after it. */
    flush (): Uint8Array | null
  }
}
