import { SilmarilError } from '../../errors.js'
import { BoundedReader, HeaderBoundReached } from './bounded-reader.js'
import { closeQuietly, fileSize, openForReading } from './file-io.js'
import { quantizationName } from './gguf-ftype.js'
import { readWantedValue, skipValue } from './gguf-values.js'
import { malformed } from './read-errors.js'
import { cleanText } from './text.js'

/** How much of a GGUF file is read at most; tokenizer vocabularies make headers of several MiB. */
export const MAX_GGUF_HEADER_BYTES = 16 * 1024 * 1024
const MIN_HEADER_BOUND_BYTES = 1024

const GGUF_MAGIC = Buffer.from('GGUF').readUInt32LE(0)
const SUPPORTED_VERSIONS = new Set([2, 3])
const FIXED_HEADER_BYTES = 24
// The smallest KV (empty key, one-byte value) and tensor info (empty name, no dims) on disk.
const MIN_KV_BYTES = 8 + 4 + 1
const MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8
const MAX_KEY_BYTES = 65535
const MAX_TENSOR_DIMS = 8
const MAX_TEXT_CHARS = 256
const MAX_CONTEXT_LENGTH_KEYS = 32
// No GGUF quantization stores a weight in under one bit, so more weights than bits is a lie.
const MIN_BITS_PER_WEIGHT = 1

export interface GgufHeader {
  version: number
  tensor_count: number
  architecture?: string
  name?: string
  /** `general.file_type`, llama.cpp's `llama_ftype`. */
  file_type?: number
  /** The name of `file_type`, e.g. 'Q4_K_M', 'F16', 'BF16'. */
  quantization?: string
  /** `<architecture>.context_length`. */
  context_length?: number
  /** The sum over tensor infos of the product of their dimensions. */
  parameter_count?: number
  /** False when the header runs past the read bound; what follows that point is missing. */
  header_complete: boolean
}

export interface GgufReadOptions {
  /** Bytes of the file to read at most. @default MAX_GGUF_HEADER_BYTES */
  maxHeaderBytes?: number
}

interface Wanted {
  architecture?: string
  name?: string
  fileType?: bigint
  contextLengths: Map<string, bigint>
}

/**
 * Reads the metadata of a GGUF v2 or v3 file from its header, skipping values it does not need
 * (tokenizer arrays included) without holding them in memory. Rejects with a `bad_request`
 * SilmarilError when the file is not a well-formed GGUF file, `io` when it cannot be read.
 */
export async function readGgufHeader (path: string, options: GgufReadOptions = {}): Promise<GgufHeader> {
  const maxHeaderBytes = options.maxHeaderBytes ?? MAX_GGUF_HEADER_BYTES
  if (!Number.isSafeInteger(maxHeaderBytes) || maxHeaderBytes < MIN_HEADER_BOUND_BYTES) {
    throw SilmarilError.badRequest(`maxHeaderBytes must be an integer of at least ${MIN_HEADER_BOUND_BYTES}`)
  }
  const fh = await openForReading(path)
  try {
    const size = await fileSize(fh)
    if (size < FIXED_HEADER_BYTES) throw malformed('the file is too short for a GGUF header')
    return await parseHeader(new BoundedReader(fh, size, maxHeaderBytes), size)
  } finally {
    await closeQuietly(fh)
  }
}

async function parseHeader (reader: BoundedReader, size: number): Promise<GgufHeader> {
  if (await reader.u32() !== GGUF_MAGIC) throw malformed('not a GGUF file (wrong magic)')
  const version = await reader.u32()
  checkVersion(version)
  const tensorCount = await reader.u64()
  const kvCount = await reader.u64()
  if (tensorCount * BigInt(MIN_TENSOR_INFO_BYTES) > BigInt(size)) throw malformed(`tensor count ${tensorCount} does not fit in the file`)
  if (kvCount * BigInt(MIN_KV_BYTES) > BigInt(size)) throw malformed(`metadata count ${kvCount} does not fit in the file`)

  const wanted: Wanted = { contextLengths: new Map() }
  let parameters: bigint | undefined
  let complete = true
  try {
    for (let i = 0; i < Number(kvCount); i++) await readKv(reader, wanted)
    parameters = await countParameters(reader, Number(tensorCount))
  } catch (err) {
    if (!(err instanceof HeaderBoundReached)) throw err
    complete = false
  }
  if (parameters !== undefined && parameters > BigInt(size) * 8n / BigInt(MIN_BITS_PER_WEIGHT)) {
    throw malformed('the tensor shapes claim more weights than the file can hold')
  }
  return headerFrom(version, Number(tensorCount), wanted, parameters, complete)
}

function checkVersion (version: number): void {
  if (SUPPORTED_VERSIONS.has(version)) return
  const swapped = Buffer.alloc(4)
  swapped.writeUInt32BE(version)
  if (SUPPORTED_VERSIONS.has(swapped.readUInt32LE(0))) throw malformed('big-endian GGUF files are not supported')
  throw malformed(`GGUF version ${version} is not supported`)
}

async function readKv (reader: BoundedReader, wanted: Wanted): Promise<void> {
  const keyLength = await reader.u64()
  if (keyLength > BigInt(MAX_KEY_BYTES)) throw malformed(`a GGUF key of ${keyLength} bytes is longer than allowed`)
  const key = await reader.text(Number(keyLength))
  const type = await reader.u32()
  if (key === 'general.architecture') {
    wanted.architecture = cleanText(await readWantedValue(reader, type), MAX_TEXT_CHARS)
  } else if (key === 'general.name') {
    wanted.name = cleanText(await readWantedValue(reader, type), MAX_TEXT_CHARS)
  } else if (key === 'general.file_type') {
    const value = await readWantedValue(reader, type)
    wanted.fileType = typeof value === 'bigint' ? value : undefined
  } else if (key.endsWith('.context_length') && wanted.contextLengths.size < MAX_CONTEXT_LENGTH_KEYS) {
    const value = await readWantedValue(reader, type)
    if (typeof value === 'bigint') wanted.contextLengths.set(key, value)
  } else {
    await skipValue(reader, type)
  }
}

/** Tensor infos: name, dimension count, dimensions, ggml type, data offset. */
async function countParameters (reader: BoundedReader, tensorCount: number): Promise<bigint> {
  let total = 0n
  for (let i = 0; i < tensorCount; i++) {
    await reader.skip(await reader.u64())
    const dims = await reader.u32()
    if (dims > MAX_TENSOR_DIMS) throw malformed(`a GGUF tensor has ${dims} dimensions`)
    let elements = 1n
    for (let d = 0; d < dims; d++) elements *= await reader.u64()
    await reader.skip(4 + 8)
    total += elements
  }
  return total
}

function headerFrom (version: number, tensorCount: number, wanted: Wanted, parameters: bigint | undefined, complete: boolean): GgufHeader {
  const header: GgufHeader = { version, tensor_count: tensorCount, header_complete: complete }
  if (wanted.architecture !== undefined) header.architecture = wanted.architecture
  if (wanted.name !== undefined) header.name = wanted.name
  const fileType = safeCount(wanted.fileType)
  if (fileType !== undefined) {
    header.file_type = fileType
    const quantization = quantizationName(fileType)
    if (quantization !== undefined) header.quantization = quantization
  }
  const contextLength = wanted.architecture === undefined
    ? undefined
    : safeCount(wanted.contextLengths.get(`${wanted.architecture}.context_length`))
  if (contextLength !== undefined) header.context_length = contextLength
  const parameterCount = safeCount(parameters)
  if (parameterCount !== undefined) header.parameter_count = parameterCount
  return header
}

function safeCount (value: bigint | undefined): number | undefined {
  if (value === undefined || value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) return undefined
  return Number(value)
}
