/** Node's internal memcpy between (Shared)ArrayBuffers, used by its web streams. */
type CopyArrayBuffer = (destination: ArrayBufferLike, destinationOffset: number, source: ArrayBufferLike, sourceOffset: number, bytes: number) => void

const UINT32_MAX = 0xffff_ffff

/** The binding when this Node has it and it copies correctly; its argument checks abort the process, so every call below is checked first. */
const memcpy = ((): CopyArrayBuffer | undefined => {
  try {
    const binding = (process as unknown as { binding?: (name: string) => { copyArrayBuffer?: unknown } }).binding?.('buffer')
    const copy = binding?.copyArrayBuffer
    if (typeof copy !== 'function') return undefined
    const target = new SharedArrayBuffer(8)
    const source = new Uint8Array([1, 2, 3, 4, 5])
    ;(copy as CopyArrayBuffer)(target, 2, source.buffer, 1, 3)
    return new Uint8Array(target).join() === '0,0,2,3,4,0,0,0' ? copy as CopyArrayBuffer : undefined
  } catch {
    return undefined
  }
})()

/**
 * Copies `data` into `target` at `offset`. Into shared memory, `TypedArray.prototype.set` copies
 * word by word with relaxed atomics, as V8 must for memory another thread may read at the same
 * time; a piece being filled in the piece pool's arena is read by no one until it is whole, and
 * there Node's internal `copyArrayBuffer` does one memcpy instead (on this VM 0.3 s less of the
 * downloader's main thread per GiB). Anything else, or a Node without that binding, uses `set`.
 */
export function copyInto (target: Uint8Array, data: Uint8Array, offset: number): void {
  const at = target.byteOffset + offset
  if (memcpy !== undefined && target.buffer instanceof SharedArrayBuffer && data.buffer instanceof ArrayBuffer &&
      Number.isInteger(offset) && offset >= 0 && offset + data.byteLength <= target.byteLength &&
      at + data.byteLength <= UINT32_MAX && data.byteOffset + data.byteLength <= UINT32_MAX) {
    memcpy(target.buffer, at, data.buffer, data.byteOffset, data.byteLength)
  } else {
    target.set(data, offset)
  }
}

/** Whether shared-memory copies take the memcpy path on this Node (for tests and diagnostics). */
export const sharedCopyIsNative = memcpy !== undefined
