import { closeQuietly, fileSize, openForReading, readAt } from './file-io.js'
import { malformed } from './read-errors.js'
import { isPlainObject } from './text.js'

/** The largest JSON header read; the safetensors library itself refuses headers over 100 MB. */
export const MAX_SAFETENSORS_HEADER_BYTES = 100 * 1024 * 1024
const LENGTH_PREFIX_BYTES = 8
const METADATA_KEY = '__metadata__'
const DTYPE_PATTERN = /^[A-Za-z0-9_]{1,32}$/
const MAX_NAME_CHARS_IN_REASON = 64

// Bytes per element of the byte-aligned dtypes; sub-byte ones (F4, F6_*) go unchecked.
const DTYPE_BYTES: ReadonlyMap<string, number> = new Map([
  ['BOOL', 1], ['U8', 1], ['I8', 1], ['F8_E5M2', 1], ['F8_E4M3', 1], ['F8_E8M0', 1],
  ['U16', 2], ['I16', 2], ['F16', 2], ['BF16', 2],
  ['U32', 4], ['I32', 4], ['F32', 4],
  ['U64', 8], ['I64', 8], ['F64', 8]
])

export interface SafetensorsHeader {
  /** Sorted, unique. */
  dtypes: string[]
  tensor_count: number
  /** The sum over tensors of the product of their shapes. */
  parameter_count: number
  /** The `__metadata__` entry: string values only. */
  metadata?: Record<string, string>
}

/**
 * Reads the JSON header of a safetensors file (8-byte little-endian length, then JSON) and
 * checks every tensor entry against the file. Rejects with a `bad_request` SilmarilError when
 * the file is not well-formed, `io` when it cannot be read.
 */
export async function readSafetensorsHeader (path: string): Promise<SafetensorsHeader> {
  const fh = await openForReading(path)
  try {
    const size = await fileSize(fh)
    if (size < LENGTH_PREFIX_BYTES) throw malformed('the file is too short for a safetensors header')
    const prefix = Buffer.alloc(LENGTH_PREFIX_BYTES)
    if (await readAt(fh, prefix, 0) < LENGTH_PREFIX_BYTES) throw malformed('the file ends inside the header')
    const declared = prefix.readBigUInt64LE(0)
    if (declared > BigInt(MAX_SAFETENSORS_HEADER_BYTES)) {
      throw malformed(`header length ${declared} is over the ${MAX_SAFETENSORS_HEADER_BYTES}-byte cap`)
    }
    const headerLength = Number(declared)
    if (LENGTH_PREFIX_BYTES + headerLength > size) throw malformed(`header length ${headerLength} runs past the end of the file`)
    const json = Buffer.alloc(headerLength)
    if (await readAt(fh, json, LENGTH_PREFIX_BYTES) < headerLength) throw malformed('the file ends inside the header')
    return parseHeader(json, size - LENGTH_PREFIX_BYTES - headerLength)
  } finally {
    await closeQuietly(fh)
  }
}

function parseHeader (json: Buffer, dataBytes: number): SafetensorsHeader {
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json))
  } catch {
    throw malformed('the header is not valid UTF-8 JSON')
  }
  if (!isPlainObject(parsed)) throw malformed('the header is not a JSON object')

  const dtypes = new Set<string>()
  let tensorCount = 0
  let parameterCount = 0
  let metadata: Record<string, string> | undefined
  for (const [name, entry] of Object.entries(parsed)) {
    if (name === METADATA_KEY) {
      metadata = stringEntries(entry)
      continue
    }
    const tensor = checkTensor(name, entry, dataBytes)
    dtypes.add(tensor.dtype)
    tensorCount++
    parameterCount += tensor.elements
    if (!Number.isSafeInteger(parameterCount)) throw malformed('the parameter count is too large')
  }
  const header: SafetensorsHeader = { dtypes: [...dtypes].sort(), tensor_count: tensorCount, parameter_count: parameterCount }
  if (metadata !== undefined) header.metadata = metadata
  return header
}

function checkTensor (name: string, entry: unknown, dataBytes: number): { dtype: string, elements: number } {
  const fail = (problem: string): never => {
    throw malformed(`tensor ${JSON.stringify(name.slice(0, MAX_NAME_CHARS_IN_REASON))} ${problem}`)
  }
  if (!isPlainObject(entry)) return fail('is not an object')
  const { dtype, shape, data_offsets: offsets } = entry
  if (typeof dtype !== 'string' || !DTYPE_PATTERN.test(dtype)) return fail('has no valid dtype')
  if (!Array.isArray(shape) || !shape.every(isCount)) return fail('has no valid shape')
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) return fail('has no valid data_offsets')
  const [begin, end] = offsets as [number, number]
  if (begin > end || end > dataBytes) return fail('has data_offsets outside the data')
  let elements = 1
  for (const dim of shape as number[]) {
    elements *= dim
    if (!Number.isSafeInteger(elements)) return fail('has too many elements')
  }
  const elementBytes = DTYPE_BYTES.get(dtype)
  if (elementBytes !== undefined && elements * elementBytes !== end - begin) {
    return fail(`spans ${end - begin} bytes but its shape and dtype need ${elements * elementBytes}`)
  }
  return { dtype, elements }
}

function isCount (value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0
}

function stringEntries (value: unknown): Record<string, string> {
  if (!isPlainObject(value)) throw malformed(`${METADATA_KEY} is not an object`)
  return Object.fromEntries(Object.entries(value).filter((kv): kv is [string, string] => typeof kv[1] === 'string'))
}
