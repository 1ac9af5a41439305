import type { BoundedReader } from './bounded-reader.js'
import { malformed } from './read-errors.js'

/** GGUF metadata value types (ggml docs/gguf.md, `gguf_metadata_value_type`). */
export const GGUF_TYPE = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12
} as const

const FIXED_SIZE_BYTES: ReadonlyMap<number, number> = new Map([
  [GGUF_TYPE.UINT8, 1], [GGUF_TYPE.INT8, 1], [GGUF_TYPE.UINT16, 2], [GGUF_TYPE.INT16, 2],
  [GGUF_TYPE.UINT32, 4], [GGUF_TYPE.INT32, 4], [GGUF_TYPE.FLOAT32, 4], [GGUF_TYPE.BOOL, 1],
  [GGUF_TYPE.UINT64, 8], [GGUF_TYPE.INT64, 8], [GGUF_TYPE.FLOAT64, 8]
])

const SMALL_INTS: ReadonlyMap<number, [1 | 2 | 4, boolean]> = new Map([
  [GGUF_TYPE.UINT8, [1, false]], [GGUF_TYPE.INT8, [1, true]], [GGUF_TYPE.UINT16, [2, false]],
  [GGUF_TYPE.INT16, [2, true]], [GGUF_TYPE.UINT32, [4, false]], [GGUF_TYPE.INT32, [4, true]]
])

const STRING_LENGTH_BYTES = 8
const ARRAY_HEADER_BYTES = 12
const MAX_ARRAY_DEPTH = 8
/** Strings longer than this are skipped rather than read: no wanted value is anywhere near it. */
export const MAX_KEPT_STRING_BYTES = 64 * 1024

/**
 * A value of a key the caller wants: integers as bigint, strings up to
 * {@link MAX_KEPT_STRING_BYTES}. Other values (floats, booleans, arrays, longer strings) are
 * skipped and yield undefined.
 */
export async function readWantedValue (reader: BoundedReader, type: number): Promise<bigint | string | undefined> {
  const small = SMALL_INTS.get(type)
  if (small !== undefined) return BigInt(await reader.int(...small))
  if (type === GGUF_TYPE.UINT64) return await reader.u64()
  if (type === GGUF_TYPE.INT64) return await reader.i64()
  if (type === GGUF_TYPE.STRING) {
    const length = await reader.u64()
    if (length <= BigInt(MAX_KEPT_STRING_BYTES)) return await reader.text(Number(length))
    await reader.skip(length)
    return undefined
  }
  await skipValue(reader, type)
  return undefined
}

/** Moves past a value without materialising it; arrays of any length cost no memory. */
export async function skipValue (reader: BoundedReader, type: number, depth = 0): Promise<void> {
  const size = FIXED_SIZE_BYTES.get(type)
  if (size !== undefined) return await reader.skip(size)
  if (type === GGUF_TYPE.STRING) return await reader.skip(await reader.u64())
  if (type !== GGUF_TYPE.ARRAY) throw malformed(`unknown GGUF value type ${type}`)
  if (depth >= MAX_ARRAY_DEPTH) throw malformed('GGUF arrays are nested too deeply')
  const itemType = await reader.u32()
  const count = await reader.u64()
  const itemSize = FIXED_SIZE_BYTES.get(itemType)
  if (itemSize !== undefined) return await reader.skip(count * BigInt(itemSize))
  if (itemType !== GGUF_TYPE.STRING && itemType !== GGUF_TYPE.ARRAY) throw malformed(`unknown GGUF array item type ${itemType}`)
  const minItemBytes = itemType === GGUF_TYPE.STRING ? STRING_LENGTH_BYTES : ARRAY_HEADER_BYTES
  if (count * BigInt(minItemBytes) > BigInt(reader.remaining)) {
    throw malformed(`a GGUF array of ${count} items runs past the end of the file`)
  }
  if (itemType === GGUF_TYPE.STRING) return await reader.skipStrings(Number(count))
  for (let i = 0; i < Number(count); i++) await skipValue(reader, GGUF_TYPE.ARRAY, depth + 1)
}
