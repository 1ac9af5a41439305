declare module 'cache-chunk-store' {
  type Callback<T> = (err: Error | null, value?: T) => void
  interface ChunkStoreLike {
    readonly chunkLength: number
    get (index: number, opts: { offset?: number, length?: number } | null, cb: Callback<Uint8Array>): void
    put (index: number, buf: Uint8Array, cb?: (err: Error | null) => void): void
    close (cb?: (err: Error | null) => void): void
    destroy (cb?: (err: Error | null) => void): void
  }
  /** An LRU of whole chunks in front of a chunk store (cache-chunk-store 3, as patched). */
  export default class CacheChunkStore implements ChunkStoreLike {
    constructor (store: ChunkStoreLike, opts: { max: number })
    readonly chunkLength: number
    get (index: number, opts: { offset?: number, length?: number } | null, cb: Callback<Uint8Array>): void
    put (index: number, buf: Uint8Array, cb?: (err: Error | null) => void): void
    close (cb?: (err: Error | null) => void): void
    destroy (cb?: (err: Error | null) => void): void
  }
}
