import { DIRECT_ALIGNMENT } from '../share/direct-writer.js'

const WASM_PAGE_BYTES = 64 * 1024

/**
 * Piece buffers carved from one page-aligned shared arena and kept for reuse once the store has
 * written them. A download otherwise allocates a fresh buffer per piece: a GiB of ArrayBuffers
 * per GiB moved, whose external-memory accounting starts V8 mark-compacts and whose fresh pages
 * fault in as the blocks are copied. Because the arena is page-aligned, a whole piece can be
 * written to disk with O_DIRECT (see `DirectWriter`), and because it is shared memory, the hash
 * worker reads a piece where it lies instead of having it moved or copied.
 *
 * A buffer is given back only when nothing else holds it (after its store write), and taken by the
 * next piece of the same length, which overwrites every byte before anyone reads it. When the
 * arena is full, `take` hands out ordinary memory, which is never pooled.
 */
export class PiecePool {
  readonly #maxBytes: number
  #arena: SharedArrayBuffer | undefined
  #carved = 0
  /** The length of each slot carved from the arena, by its offset. */
  readonly #slots = new Map<number, number>()
  /** Offsets of the slots given back: a buffer given twice must not go to two pieces. */
  readonly #given = new Set<number>()
  readonly #free = new Map<number, Uint8Array[]>()
  #bytes = 0

  constructor (maxBytes: number) {
    this.#maxBytes = Math.ceil(maxBytes / WASM_PAGE_BYTES) * WASM_PAGE_BYTES
  }

  /** Bytes given back and waiting for reuse. */
  get bytes (): number { return this.#bytes }

  take (length: number): Uint8Array {
    const buf = this.#free.get(length)?.pop()
    if (buf !== undefined) {
      this.#given.delete(buf.byteOffset)
      this.#bytes -= length
      return buf
    }
    const slot = Math.ceil(length / DIRECT_ALIGNMENT) * DIRECT_ALIGNMENT
    if (length === 0 || this.#carved + slot > this.#maxBytes) return new Uint8Array(length)
    const arena = this.#arena ??= newArena(this.#maxBytes)
    const carved = new Uint8Array(arena, this.#carved, length)
    this.#slots.set(this.#carved, length)
    this.#carved += slot
    return carved
  }

  /** A buffer no one will read or write again; kept when it is a whole slot of the current arena. */
  give (buf: Uint8Array): void {
    if (buf.buffer !== this.#arena || this.#slots.get(buf.byteOffset) !== buf.byteLength || this.#given.has(buf.byteOffset)) return
    this.#given.add(buf.byteOffset)
    const length = buf.byteLength
    let free = this.#free.get(length)
    if (free === undefined) this.#free.set(length, free = [])
    free.push(buf)
    this.#bytes += length
  }

  /** True for a view into the current arena that starts on a page: aligned memory, shared with workers. */
  alignedView (buf: Uint8Array): boolean {
    return buf.buffer === this.#arena && buf.byteOffset % DIRECT_ALIGNMENT === 0
  }

  /**
   * Lets go of the arena. Buffers still out keep their memory and stay valid, but are no longer
   * pooled when given back, so no slot is ever handed to two pieces; the next `take` starts a new arena.
   */
  clear (): void {
    this.#arena = undefined
    this.#carved = 0
    this.#slots.clear()
    this.#given.clear()
    this.#free.clear()
    this.#bytes = 0
  }
}

/** The one WebAssembly API used here (the project's TypeScript libs declare its types only). */
interface WasmMemoryConstructor { new (descriptor: { initial: number, maximum: number, shared: boolean }): { buffer: SharedArrayBuffer } }
const { Memory } = (globalThis as unknown as { WebAssembly: { Memory: WasmMemoryConstructor } }).WebAssembly

/** WebAssembly memory is page-aligned, which O_DIRECT needs, and can be shared with workers. */
function newArena (bytes: number): SharedArrayBuffer {
  const pages = bytes / WASM_PAGE_BYTES
  return new Memory({ initial: pages, maximum: pages, shared: true }).buffer
}
