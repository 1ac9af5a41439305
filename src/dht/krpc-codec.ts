import { createRequire } from 'node:module'
import { logger } from '../log.js'

const log = logger('dht:codec')

/**
 * Bencode for KRPC datagrams, shaped exactly as k-rpc-socket's own bencode (2.x) reads and writes
 * them: byte strings are Buffers (views of the datagram), dict keys are strings, integers are
 * numbers. Decoding and encoding were a third of a DHT node's CPU per query; these are a few
 * times cheaper, and `installKrpcCodec` lets k-rpc-socket use them.
 */

/** Deepest nesting accepted: the decoders recurse, and KRPC and BEP 44 values nest a few levels. */
export const MAX_DEPTH = 128

const DICT_START = 0x64 // d
const LIST_START = 0x6c // l
const INTEGER_START = 0x69 // i
const END = 0x65 // e
const COLON = 0x3a
const MINUS = 0x2d

const MALFORMED = new Error('malformed bencode')

let data: Buffer = Buffer.alloc(0)
let pos = 0

/** The first bencoded value of `datagram`, or undefined when it is not strict bencode. */
export function decodeKrpc (datagram: Buffer): unknown {
  data = datagram
  pos = 0
  try {
    return data.length === 0 ? undefined : value(0)
  } catch (err) {
    if (err === MALFORMED) return undefined
    throw err
  } finally {
    data = EMPTY
  }
}

const EMPTY = Buffer.alloc(0)

function value (depth: number): unknown {
  const c = data[pos]
  if (c === DICT_START) {
    if (depth === MAX_DEPTH) throw MALFORMED
    pos++
    const dict: Record<string, unknown> = {}
    while (data[pos] !== END) {
      const key = bytesAt()
      dict[keyString(key, pos)] = value(depth + 1)
    }
    pos++
    return dict
  }
  if (c === LIST_START) {
    if (depth === MAX_DEPTH) throw MALFORMED
    pos++
    const list: unknown[] = []
    while (data[pos] !== END) list.push(value(depth + 1))
    pos++
    return list
  }
  if (c === INTEGER_START) return integer()
  const start = bytesAt()
  return data.subarray(start, pos)
}

/** Reads a byte string's header and skips its payload; returns where the payload starts. */
function bytesAt (): number {
  let length = 0
  let at = pos
  for (let c = data[at]; c !== undefined && c >= 0x30 && c <= 0x39; c = data[++at]) length = length * 10 + (c - 0x30)
  if (at === pos || data[at] !== COLON) throw MALFORMED
  const start = at + 1
  if (start + length > data.length) throw MALFORMED
  pos = start + length
  return start
}

const KNOWN_KEYS = ['a', 'e', 'q', 'r', 't', 'v', 'y', 'id', 'k', 'ip', 'cas', 'seq', 'sig', 'salt', 'port', 'nodes', 'token', 'nodes6', 'target', 'values', 'info_hash', 'implied_port']
/** KRPC's own keys by length, so decoding them makes no new string. */
const KEYS_BY_LENGTH: string[][] = []
for (const key of KNOWN_KEYS) (KEYS_BY_LENGTH[key.length] ??= []).push(key)

// bencode 2 turns keys into strings with Buffer#toString(), i.e. UTF-8; for ASCII latin1 is the same and cheaper.
function keyString (start: number, end: number): string {
  const known = KEYS_BY_LENGTH[end - start]
  if (known !== undefined) {
    for (const key of known) {
      let i = 0
      while (i < key.length && data[start + i] === key.charCodeAt(i)) i++
      if (i === key.length) return key
    }
  }
  for (let i = start; i < end; i++) {
    if (data[i]! >= 0x80) return data.toString('utf8', start, end)
  }
  return data.toString('latin1', start, end)
}

function integer (): number {
  let at = pos + 1
  const negative = data[at] === MINUS
  if (negative) at++
  const digits = at
  let n = 0
  for (let c = data[at]; c !== undefined && c >= 0x30 && c <= 0x39; c = data[++at]) n = n * 10 + (c - 0x30)
  if (at === digits || data[at] !== END) throw MALFORMED
  pos = at + 1
  return negative ? -n : n
}

const SCRATCH_BYTES = 64 * 1024
const scratch = Buffer.allocUnsafe(SCRATCH_BYTES)
let length = 0
const UNSUPPORTED = new Error('a value only the full encoder handles')

/**
 * Bencodes what k-rpc-socket sends (Buffers, strings, safe integers, arrays, plain objects; null
 * and undefined are left out) byte for byte as bencode 2 does; null for anything else, or for
 * more than 64 KiB, which the caller hands to bencode itself.
 */
export function encodeKrpc (message: unknown): Buffer | null {
  length = 0
  try {
    encodeValue(message)
  } catch (err) {
    if (err === UNSUPPORTED || err instanceof RangeError) return null
    throw err
  }
  const out = Buffer.allocUnsafe(length)
  scratch.copy(out, 0, 0, length)
  return out
}

function encodeValue (v: unknown): void {
  if (v === null || v === undefined) return
  if (typeof v === 'string') {
    if (!writeShortAscii(v)) {
      const bytes = Buffer.byteLength(v)
      writeLength(bytes)
      if (length + bytes > SCRATCH_BYTES) throw UNSUPPORTED
      length += scratch.write(v, length, 'utf8')
    }
  } else if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw UNSUPPORTED
    writeAscii(`i${v}e`)
  } else if (Buffer.isBuffer(v)) {
    writeLength(v.length)
    if (length + v.length > SCRATCH_BYTES) throw UNSUPPORTED
    length += v.copy(scratch, length)
  } else if (Array.isArray(v)) {
    scratch[length++] = LIST_START
    for (const item of v) encodeValue(item)
    end()
  } else if (typeof v === 'object' && isPlainObject(v)) {
    scratch[length++] = DICT_START
    const dict = v as Record<string, unknown>
    for (const key of sortInPlace(Object.keys(dict))) {
      const item = dict[key]
      if (item === null || item === undefined) continue
      encodeValue(key)
      encodeValue(item)
    }
    end()
  } else {
    throw UNSUPPORTED
  }
  if (length > SCRATCH_BYTES) throw UNSUPPORTED
}

/**
 * Insertion sort: a KRPC dict has a handful of keys, and Array.prototype.sort allocates its work
 * arrays straight in the old generation, so sorting every reply's keys drove a busy DHT node into
 * a major GC every few seconds.
 */
function sortInPlace (keys: string[]): string[] {
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!
    let j = i - 1
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!
      j--
    }
    keys[j + 1] = key
  }
  return keys
}

function end (): void {
  if (length >= SCRATCH_BYTES) throw UNSUPPORTED
  scratch[length++] = END
}

/**
 * Writes a short ASCII string (a dict key, `y`'s value) byte by byte: two calls into C++ per
 * string (byteLength, write) were a tenth of encoding a reply. False, writing nothing, otherwise.
 */
function writeShortAscii (text: string): boolean {
  const n = text.length
  if (n > 32 || length + n + 3 > SCRATCH_BYTES) return false
  for (let i = 0; i < n; i++) if (text.charCodeAt(i) >= 0x80) return false
  writeLength(n)
  for (let i = 0; i < n; i++) scratch[length++] = text.charCodeAt(i)
  return true
}

/** Writes `<n>:` without making a string: most of what a reply holds is byte strings. */
function writeLength (n: number): void {
  if (n >= 10_000) {
    writeAscii(`${n}:`)
    return
  }
  if (length + 6 > SCRATCH_BYTES) throw UNSUPPORTED
  if (n >= 1000) scratch[length++] = 0x30 + Math.floor(n / 1000)
  if (n >= 100) scratch[length++] = 0x30 + Math.floor(n / 100) % 10
  if (n >= 10) scratch[length++] = 0x30 + Math.floor(n / 10) % 10
  scratch[length++] = 0x30 + n % 10
  scratch[length++] = COLON
}

function writeAscii (text: string): void {
  if (length + text.length > SCRATCH_BYTES) throw UNSUPPORTED
  length += scratch.write(text, length, 'latin1')
}

function isPlainObject (v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown
  return proto === Object.prototype || proto === null
}

interface Bencode2 {
  decode: (data: unknown, ...rest: unknown[]) => unknown
  encode: (data: unknown, ...rest: unknown[]) => Buffer
}

let handed: { datagram: Buffer, message: unknown } | null = null
let installed: boolean | undefined

/**
 * Makes k-rpc-socket (inside bittorrent-dht) take the message a guard has just decoded instead
 * of decoding the datagram again, and encode with `encodeKrpc`. It hooks k-rpc-socket's private
 * copy of bencode: anything but the handed datagram, and any value `encodeKrpc` declines, still
 * goes to bencode. False when that copy cannot be found (the DHT then works as before).
 */
export function installKrpcCodec (): boolean {
  if (installed !== undefined) return installed
  installed = false
  let bencode: Bencode2
  try {
    const fromDht = createRequire(import.meta.resolve('bittorrent-dht'))
    const fromKrpc = createRequire(fromDht.resolve('k-rpc'))
    bencode = createRequire(fromKrpc.resolve('k-rpc-socket'))('bencode') as Bencode2
  } catch (err) {
    log('cannot find the bencode of k-rpc-socket, so datagrams are decoded twice: %s', (err as Error).message)
    return false
  }
  if (typeof bencode.decode !== 'function' || typeof bencode.encode !== 'function') return false
  const decode = bencode.decode.bind(bencode)
  const encode = bencode.encode.bind(bencode)
  bencode.decode = (data: unknown, ...rest: unknown[]): unknown => {
    if (handed !== null && data === handed.datagram && rest.length === 0) {
      const message = handed.message
      handed = null
      return message
    }
    return decode(data, ...rest)
  }
  bencode.encode = (data: unknown, ...rest: unknown[]): Buffer => (rest.length === 0 ? encodeKrpc(data) : null) ?? encode(data, ...rest)
  installed = true
  return true
}

/**
 * Runs `deliver` (which emits the datagram to k-rpc-socket) with `message` as the decoding of
 * `datagram`, taken back afterwards whether or not it was used.
 */
export function withDecoded<T> (datagram: Buffer, message: unknown, deliver: () => T): T {
  handed = { datagram, message }
  try {
    return deliver()
  } finally {
    handed = null
  }
}
