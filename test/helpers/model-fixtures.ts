import { createCipheriv, createHash } from 'node:crypto'
import { open, type FileHandle } from 'node:fs/promises'

// Generators of model files with the real byte layouts of safetensors and GGUF v3, written
// independently of src/share/format so the readers are tested against something else.

const CHUNK_BYTES = 1024 * 1024
const ZEROS = Buffer.alloc(CHUNK_BYTES)
const SAFETENSORS_HEADER_ALIGN_BYTES = 8
const GGUF_DEFAULT_ALIGNMENT_BYTES = 32

/**
 * How tensor data is written: `zero` streams zero bytes, `random` streams a deterministic
 * pseudo-random byte stream (the same seed gives the same bytes), `sparse` extends the file
 * without writing so that huge models cost no disk (reads see zeros).
 */
export type FixtureFill = 'zero' | 'random' | 'sparse'

export interface FixtureDataOptions {
  /** @default 'zero' */
  fill?: FixtureFill
  /** Seed of the `random` fill. @default 0 */
  seed?: number | string
}

export interface FixtureFile {
  /** Bytes in the file. */
  size: number
  /** Where tensor data starts. */
  dataOffset: number
  parameterCount: number
}

const SAFETENSORS_DTYPE_BYTES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E4M3: 1, F8_E5M2: 1, U16: 2, I16: 2, F16: 2, BF16: 2, U32: 4, I32: 4, F32: 4, U64: 8, I64: 8, F64: 8
}

export interface SafetensorsTensor {
  name: string
  dtype: string
  shape: number[]
}

/** Writes a safetensors file: u64 header length, JSON header padded with spaces, then the data. */
export async function writeSafetensors (
  path: string,
  tensors: SafetensorsTensor[],
  metadata?: Record<string, string>,
  options: FixtureDataOptions = {}
): Promise<FixtureFile> {
  const header: Record<string, unknown> = {}
  if (metadata !== undefined) header.__metadata__ = metadata
  let offset = 0
  let parameterCount = 0
  for (const tensor of tensors) {
    const elementBytes = SAFETENSORS_DTYPE_BYTES[tensor.dtype]
    if (elementBytes === undefined) throw new Error(`writeSafetensors: unknown dtype ${tensor.dtype}`)
    const elements = tensor.shape.reduce((product, dim) => product * dim, 1)
    header[tensor.name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + elements * elementBytes] }
    offset += elements * elementBytes
    parameterCount += elements
  }
  let json = JSON.stringify(header)
  json += ' '.repeat((SAFETENSORS_HEADER_ALIGN_BYTES - (Buffer.byteLength(json) % SAFETENSORS_HEADER_ALIGN_BYTES)) % SAFETENSORS_HEADER_ALIGN_BYTES)
  const jsonBytes = Buffer.from(json)
  const dataOffset = 8 + jsonBytes.length
  await withFile(path, async fh => {
    await fh.write(Buffer.concat([u64le(jsonBytes.length), jsonBytes]), 0, dataOffset, 0)
    await writeData(fh, dataOffset, offset, options)
  })
  return { size: dataOffset + offset, dataOffset, parameterCount }
}

// ggml type ids (ggml.h `enum ggml_type`) with their block sizes in elements and bytes.
const GGML_TYPES = {
  F32: { id: 0, blockElements: 1, blockBytes: 4 },
  F16: { id: 1, blockElements: 1, blockBytes: 2 },
  Q4_0: { id: 2, blockElements: 32, blockBytes: 18 },
  Q8_0: { id: 8, blockElements: 32, blockBytes: 34 },
  Q4_K: { id: 12, blockElements: 256, blockBytes: 144 },
  Q6_K: { id: 14, blockElements: 256, blockBytes: 210 },
  BF16: { id: 30, blockElements: 1, blockBytes: 2 }
} as const

export type GgmlFixtureType = keyof typeof GGML_TYPES

export interface GgufFixtureTensor {
  name: string
  /** GGUF dimension order: the fastest-varying dimension first. */
  shape: number[]
  /** @default 'F32' */
  type?: GgmlFixtureType
}

export type GgufScalarType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'bool' | 'u64' | 'i64' | 'f64'

export type GgufValue =
  | { type: GgufScalarType, value: number | bigint | boolean }
  | { type: 'string', value: string }
  | { type: 'array', of: GgufScalarType | 'string', values: Array<number | bigint | boolean | string> }

export interface GgufFixture extends FixtureDataOptions {
  architecture?: string
  name?: string
  /** `general.file_type` (llama.cpp `llama_ftype`, e.g. 15 for Q4_K_M). */
  fileType?: number
  /** Written as `<architecture>.context_length`. */
  contextLength?: number
  /** Writes a tokenizer of this many tokens: a large string array and a float array. */
  vocabSize?: number
  extraKv?: Array<[key: string, value: GgufValue]>
  tensors?: GgufFixtureTensor[]
  /** @default 3 */
  version?: number
}

/** Writes a GGUF file: header, metadata, tensor infos, aligned tensor data. */
export async function writeGguf (path: string, fixture: GgufFixture): Promise<FixtureFile> {
  const kvs: Buffer[] = []
  const kv = (key: string, value: GgufValue): void => { kvs.push(ggufKv(key, value)) }
  if (fixture.architecture !== undefined) kv('general.architecture', { type: 'string', value: fixture.architecture })
  if (fixture.name !== undefined) kv('general.name', { type: 'string', value: fixture.name })
  if (fixture.fileType !== undefined) kv('general.file_type', { type: 'u32', value: fixture.fileType })
  if (fixture.vocabSize !== undefined) {
    kv('tokenizer.ggml.model', { type: 'string', value: 'gpt2' })
    kvs.push(ggufTokenArray('tokenizer.ggml.tokens', fixture.vocabSize))
    kv('tokenizer.ggml.scores', { type: 'array', of: 'f32', values: new Array<number>(fixture.vocabSize).fill(0) })
  }
  if (fixture.contextLength !== undefined) {
    kv(`${fixture.architecture ?? 'unknown'}.context_length`, { type: 'u32', value: fixture.contextLength })
  }
  for (const [key, value] of fixture.extraKv ?? []) kv(key, value)

  const tensors = fixture.tensors ?? []
  const infos: Buffer[] = []
  let dataBytes = 0
  let parameterCount = 0
  for (const tensor of tensors) {
    const type = GGML_TYPES[tensor.type ?? 'F32']
    const elements = tensor.shape.reduce((product, dim) => product * dim, 1)
    infos.push(ggufString(tensor.name), u32le(tensor.shape.length), ...tensor.shape.map(u64le), u32le(type.id), u64le(dataBytes))
    dataBytes += alignUp(Math.ceil(elements / type.blockElements) * type.blockBytes, GGUF_DEFAULT_ALIGNMENT_BYTES)
    parameterCount += elements
  }
  const head = Buffer.concat([
    ggufPreamble({ version: fixture.version ?? 3, tensorCount: tensors.length, kvCount: kvs.length }),
    ...kvs,
    ...infos
  ])
  const dataOffset = alignUp(head.length, GGUF_DEFAULT_ALIGNMENT_BYTES)
  await withFile(path, async fh => {
    await fh.write(head, 0, head.length, 0)
    await writeData(fh, head.length, dataOffset - head.length + dataBytes, fixture)
  })
  return { size: dataOffset + dataBytes, dataOffset, parameterCount }
}

/** Magic, version, tensor count and KV count: the fixed 24 bytes that open a GGUF file. */
export function ggufPreamble (header: { version: number, tensorCount: number | bigint, kvCount: number | bigint }): Buffer {
  return Buffer.concat([Buffer.from('GGUF'), u32le(header.version), u64le(header.tensorCount), u64le(header.kvCount)])
}

export function ggufString (text: string): Buffer {
  const bytes = Buffer.from(text)
  return Buffer.concat([u64le(bytes.length), bytes])
}

export function ggufKv (key: string, value: GgufValue): Buffer {
  if (value.type === 'array') {
    const items = value.values.map(item => ggufItem(value.of, item))
    return Buffer.concat([ggufString(key), u32le(GGUF_TYPE_IDS.array), u32le(GGUF_TYPE_IDS[value.of]), u64le(items.length), ...items])
  }
  return Buffer.concat([ggufString(key), u32le(GGUF_TYPE_IDS[value.type]), ggufItem(value.type, value.value)])
}

export function u32le (value: number): Buffer {
  const bytes = Buffer.alloc(4)
  bytes.writeUInt32LE(value)
  return bytes
}

export function u64le (value: number | bigint): Buffer {
  const bytes = Buffer.alloc(8)
  bytes.writeBigUInt64LE(BigInt(value))
  return bytes
}

const GGUF_TYPE_IDS = {
  u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12
} as const

function ggufItem (type: GgufScalarType | 'string', value: number | bigint | boolean | string): Buffer {
  if (type === 'string') return ggufString(String(value))
  const sizes = { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, bool: 1, u64: 8, i64: 8, f64: 8 }
  const bytes = Buffer.alloc(sizes[type])
  switch (type) {
    case 'u8': case 'u16': case 'u32': bytes.writeUIntLE(Number(value), 0, sizes[type]); break
    case 'i8': case 'i16': case 'i32': bytes.writeIntLE(Number(value), 0, sizes[type]); break
    case 'bool': bytes.writeUInt8(value === true ? 1 : 0); break
    case 'f32': bytes.writeFloatLE(Number(value)); break
    case 'f64': bytes.writeDoubleLE(Number(value)); break
    case 'u64': bytes.writeBigUInt64LE(BigInt(value)); break
    case 'i64': bytes.writeBigInt64LE(BigInt(value)); break
  }
  return bytes
}

/** A string-array KV of `count` tokens, built in one buffer: vocabularies run to 250k tokens. */
function ggufTokenArray (key: string, count: number): Buffer {
  const tokens = Array.from({ length: count }, (_, i) => Buffer.from(`<tok_${i}>`))
  const body = Buffer.alloc(tokens.reduce((sum, token) => sum + 8 + token.length, 0))
  let at = 0
  for (const token of tokens) {
    body.writeBigUInt64LE(BigInt(token.length), at)
    token.copy(body, at + 8)
    at += 8 + token.length
  }
  return Buffer.concat([ggufString(key), u32le(GGUF_TYPE_IDS.array), u32le(GGUF_TYPE_IDS.string), u64le(count), body])
}

function alignUp (value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment
}

async function withFile (path: string, write: (fh: FileHandle) => Promise<void>): Promise<void> {
  const fh = await open(path, 'w')
  try {
    await write(fh)
  } finally {
    await fh.close()
  }
}

async function writeData (fh: FileHandle, position: number, length: number, options: FixtureDataOptions): Promise<void> {
  const fill = options.fill ?? 'zero'
  if (fill === 'sparse') return await fh.truncate(position + length)
  const cipher = fill === 'random' ? randomStream(options.seed ?? 0) : undefined
  for (let written = 0; written < length;) {
    const size = Math.min(CHUNK_BYTES, length - written)
    const chunk = cipher === undefined ? ZEROS.subarray(0, size) : cipher.update(ZEROS.subarray(0, size))
    for (let done = 0; done < size;) {
      const { bytesWritten } = await fh.write(chunk, done, size - done, position + written + done)
      done += bytesWritten
    }
    written += size
  }
}

// AES-CTR over zeros: a fast keystream that depends only on the seed.
function randomStream (seed: number | string): ReturnType<typeof createCipheriv> {
  const key = createHash('sha256').update(`silmaril-fixture:${seed}`).digest()
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16))
}
