/**
 * True when `buf` spans the whole of an ArrayBuffer (not shared memory): it can be transferred to
 * a worker or pooled as it is, and cloning it copies only its own bytes, not a larger backing buffer.
 */
export function ownsWholeBuffer (buf: Uint8Array): boolean {
  return buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength && buf.buffer instanceof ArrayBuffer
}
