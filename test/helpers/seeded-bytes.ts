/** `length` pseudo-random bytes from a small LCG: the same seed (default: the length) gives the same bytes. */
export function seededBytes (length: number, seed = length): Buffer {
  const out = Buffer.alloc(length)
  let x = (seed * 2654435761) >>> 0
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    out[i] = x >>> 24
  }
  return out
}
