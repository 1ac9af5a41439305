import { SilmarilError } from '../../errors.js'

/**
 * A bencode codec of our own: the `bencode` package sorts keys as UTF-16 strings and turns binary
 * keys (the `piece layers` roots) into text or hex, and torrents need raw byte order and byte spans.
 */

/** Bytes that are already bencoded, spliced into an encoding unchanged. */
export class RawBencode {
  readonly bytes: Uint8Array
  constructor (bytes: Uint8Array) { this.bytes = bytes }
}

export type BencodeKey = string | Uint8Array
export type BencodeInput =
  | number
  | string
  | Uint8Array
  | RawBencode
  | BencodeInput[]
  | Map<BencodeKey, BencodeInput>
  | { [key: string]: BencodeInput }

/** Encodes `value`; dictionary keys are sorted by their raw bytes, as BEP 3 requires. */
export function bencode (value: BencodeInput): Uint8Array {
  const parts: Uint8Array[] = []
  encodeInto(value, parts)
  return new Uint8Array(Buffer.concat(parts))
}

function encodeInto (value: BencodeInput, parts: Uint8Array[]): void {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw SilmarilError.badRequest(`bencode integers must be safe integers, got ${value}`)
    parts.push(Buffer.from(`i${value}e`))
  } else if (typeof value === 'string') {
    encodeBytes(Buffer.from(value, 'utf8'), parts)
  } else if (value instanceof Uint8Array) {
    encodeBytes(value, parts)
  } else if (value instanceof RawBencode) {
    parts.push(value.bytes)
  } else if (Array.isArray(value)) {
    parts.push(Buffer.from('l'))
    for (const item of value) encodeInto(item, parts)
    parts.push(Buffer.from('e'))
  } else {
    encodeDict(value instanceof Map ? [...value] : Object.entries(value), parts)
  }
}

function encodeBytes (bytes: Uint8Array, parts: Uint8Array[]): void {
  parts.push(Buffer.from(`${bytes.length}:`), bytes)
}

function encodeDict (entries: Array<[BencodeKey, BencodeInput]>, parts: Uint8Array[]): void {
  const keyed = entries.map(([key, value]) => ({ key: typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key.buffer, key.byteOffset, key.length), value }))
  keyed.sort((a, b) => Buffer.compare(a.key, b.key))
  parts.push(Buffer.from('d'))
  keyed.forEach(({ key, value }, index) => {
    if (index > 0 && Buffer.compare(keyed[index - 1]!.key, key) === 0) throw SilmarilError.badRequest(`bencode dictionary has the key "${key.toString()}" twice`)
    encodeBytes(key, parts)
    encodeInto(value, parts)
  })
  parts.push(Buffer.from('e'))
}

/** A decoded value with the byte range `[start, end)` it came from. */
export type BencodeNode =
  | { kind: 'int', value: number, start: number, end: number }
  | { kind: 'bytes', value: Uint8Array, start: number, end: number }
  | { kind: 'list', items: BencodeNode[], start: number, end: number }
  | { kind: 'dict', entries: Array<{ key: Uint8Array, value: BencodeNode }>, start: number, end: number }

const MAX_DEPTH = 256
const COLON = 0x3a
const E = 0x65

/** Decodes exactly one value filling all of `bytes`; throws a `bad_request` error on malformed input. */
export function bdecode (bytes: Uint8Array): BencodeNode {
  const decoder = new Decoder(bytes)
  const node = decoder.value(0)
  if (node.end !== bytes.length) throw malformed(`trailing bytes after offset ${node.end}`)
  return node
}

/** The value under `key` in a decoded dictionary, if any. */
export function dictGet (node: BencodeNode | undefined, key: string): BencodeNode | undefined {
  if (node?.kind !== 'dict') return undefined
  const wanted = Buffer.from(key, 'utf8')
  return node.entries.find(entry => Buffer.compare(entry.key, wanted) === 0)?.value
}

class Decoder {
  readonly #bytes: Uint8Array
  #pos = 0

  constructor (bytes: Uint8Array) { this.#bytes = bytes }

  value (depth: number): BencodeNode {
    if (depth > MAX_DEPTH) throw malformed('nesting is too deep')
    const start = this.#pos
    const byte = this.#bytes[start]
    if (byte === undefined) throw malformed('unexpected end of input')
    if (byte === 0x69) return this.#int(start)
    if (byte >= 0x30 && byte <= 0x39) return { kind: 'bytes', value: this.#string(), start, end: this.#pos }
    if (byte === 0x6c) {
      this.#pos++
      const items: BencodeNode[] = []
      while (this.#peek() !== E) items.push(this.value(depth + 1))
      this.#pos++
      return { kind: 'list', items, start, end: this.#pos }
    }
    if (byte === 0x64) {
      this.#pos++
      const entries: Array<{ key: Uint8Array, value: BencodeNode }> = []
      const seen = new Set<string>()
      while (this.#peek() !== E) {
        const key = this.#string()
        const latin1 = Buffer.from(key).toString('latin1')
        if (seen.has(latin1)) throw malformed(`dictionary at offset ${start} has a key twice`)
        seen.add(latin1)
        entries.push({ key, value: this.value(depth + 1) })
      }
      this.#pos++
      return { kind: 'dict', entries, start, end: this.#pos }
    }
    throw malformed(`unexpected byte 0x${byte.toString(16)} at offset ${start}`)
  }

  #peek (): number {
    const byte = this.#bytes[this.#pos]
    if (byte === undefined) throw malformed('unexpected end of input')
    return byte
  }

  #int (start: number): BencodeNode {
    const end = this.#bytes.indexOf(E, start + 1)
    if (end < 0) throw malformed(`unterminated integer at offset ${start}`)
    const text = Buffer.from(this.#bytes.subarray(start + 1, end)).toString('latin1')
    if (!/^(0|-?[1-9]\d*)$/.test(text)) throw malformed(`invalid integer "${text}" at offset ${start}`)
    const value = Number(text)
    if (!Number.isSafeInteger(value)) throw malformed(`integer ${text} at offset ${start} is too large`)
    this.#pos = end + 1
    return { kind: 'int', value, start, end: this.#pos }
  }

  #string (): Uint8Array {
    const start = this.#pos
    const colon = this.#bytes.indexOf(COLON, start)
    if (colon < 0) throw malformed(`unterminated string length at offset ${start}`)
    const text = Buffer.from(this.#bytes.subarray(start, colon)).toString('latin1')
    if (!/^(0|[1-9]\d*)$/.test(text)) throw malformed(`invalid string length "${text}" at offset ${start}`)
    const end = colon + 1 + Number(text)
    if (end > this.#bytes.length) throw malformed(`string at offset ${start} runs past the end`)
    this.#pos = end
    return this.#bytes.subarray(colon + 1, end)
  }
}

function malformed (problem: string): SilmarilError {
  return SilmarilError.badRequest(`malformed bencode: ${problem}`)
}
