/** A region of shared memory that workers can read without a copy. */
export interface SharedSlot {
  buffer: SharedArrayBuffer
  offset: number
}

const WASM_PAGE_BYTES = 65536

interface SharedWasmMemory { buffer: SharedArrayBuffer }
type WasmMemoryConstructor = new (descriptor: { initial: number, maximum: number, shared: true }) => SharedWasmMemory

/**
 * Fixed, equal slots of shared memory handed out in turn; waiting for one is the read backpressure.
 * The slots live in a shared WebAssembly memory because it is page-aligned: reading a file into
 * a malloc'd SharedArrayBuffer (16 bytes past a page) made the kernel's copy several times slower.
 */
export class SharedBufferPool {
  /** The memory all the slots are in. */
  readonly buffer: SharedArrayBuffer
  readonly #free: SharedSlot[] = []
  readonly #waiting: Array<{ resolve: (slot: SharedSlot) => void, reject: (err: Error) => void }> = []
  #failure: Error | undefined

  constructor (count: number, bytes: number) {
    const stride = Math.ceil(bytes / WASM_PAGE_BYTES) * WASM_PAGE_BYTES
    const pages = (stride * count) / WASM_PAGE_BYTES
    const { Memory } = (globalThis as unknown as { WebAssembly: { Memory: WasmMemoryConstructor } }).WebAssembly
    const { buffer } = new Memory({ initial: pages, maximum: pages, shared: true })
    this.buffer = buffer
    for (let i = count - 1; i >= 0; i--) this.#free.push({ buffer, offset: i * stride })
  }

  async acquire (): Promise<SharedSlot> {
    if (this.#failure !== undefined) throw this.#failure
    const slot = this.#free.pop()
    if (slot !== undefined) return slot
    return await new Promise((resolve, reject) => { this.#waiting.push({ resolve, reject }) })
  }

  release (slot: SharedSlot): void {
    const waiter = this.#waiting.shift()
    if (waiter === undefined) this.#free.push(slot)
    else waiter.resolve(slot)
  }

  /** Rejects current and future waiters with `err`. */
  fail (err: Error): void {
    this.#failure ??= err
    for (const waiter of this.#waiting.splice(0)) waiter.reject(this.#failure)
  }
}
