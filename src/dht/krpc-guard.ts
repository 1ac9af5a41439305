import { createSocket, type Socket, type SocketOptions } from 'node:dgram'
import { lookup as dnsLookup } from 'node:dns'
import { isIPv4 } from 'node:net'
import { logger } from '../log.js'

const log = logger('dht:guard')

// bittorrent-dht 11 and k-rpc call Buffer methods on these fields without checking their type,
// so one datagram with, say, a numeric `target` or a `sig` without `k` throws out of the socket
// handler and kills the process.
const BYTE_FIELDS = ['id', 'target', 'info_hash', 'token', 'k', 'salt', 'sig', 'nodes', 'nodes6'] as const
const INTEGER_FIELDS = ['port', 'implied_port', 'seq', 'cas'] as const

const DICT_START = 0x64 // d
const LIST_START = 0x6c // l
const INTEGER_START = 0x69 // i
const END = 0x65 // e
const COLON = 0x3a
const MINUS = 0x2d

/**
 * Nesting the decoders after the guard can take: they recurse, and a datagram of nested lists
 * would overflow their stack (a warning per datagram). KRPC and BEP 44 values nest a few levels.
 */
export const MAX_DEPTH = 128

const enum Kind { None, Bytes, Integer, List, Dict }
const enum Field { Other, Bytes, Integer, Values, K, Sig, Salt }

const FIELDS = new Map<string, Field>([
  ...BYTE_FIELDS.map(name => [name, Field.Bytes] as const),
  ...INTEGER_FIELDS.map(name => [name, Field.Integer] as const),
  ['values', Field.Values],
  ['k', Field.K],
  ['sig', Field.Sig],
  ['salt', Field.Salt]
])
/** Field names by length, so most keys are compared with one or two names at most. */
const FIELD_NAMES: Array<Array<{ bytes: Buffer, field: Field }>> = []
const NO_FIELDS: typeof FIELD_NAMES[number] = []
for (const [name, field] of FIELDS) (FIELD_NAMES[name.length] ??= []).push({ bytes: Buffer.from(name), field })
const PUT = Buffer.from('put')

/**
 * Whether a datagram is a KRPC message whose fields have the types the DHT code relies on.
 * It scans the bencoding in place, allocating nothing, so the one full decode is k-rpc-socket's.
 * Duplicate keys are judged as the decoders read them: the last one wins.
 */
export function wellFormedKrpc (datagram: Uint8Array): boolean {
  scan.data = datagram
  let pos = 1
  if (datagram[0] !== DICT_START) return false
  let t = Kind.None
  let y = Kind.None
  let yAt = 0
  let yLength = 0
  let q = Kind.None
  let isPut = false
  let a = Kind.None
  let aAt = 0
  let r = Kind.None
  let rAt = 0
  let e = Kind.None
  while (datagram[pos] !== END) {
    pos = scan.bytes(pos)
    if (pos === -1) return false
    const keyAt = scan.bytesAt
    const keyLength = pos - keyAt
    const valueAt = pos
    pos = scan.value(pos)
    if (pos === -1) return false
    if (keyLength !== 1) continue
    switch (datagram[keyAt]) {
      case 0x74: t = scan.kind; break // t
      case 0x79: y = scan.kind; yAt = scan.bytesAt; yLength = pos - yAt; break // y
      case 0x71: q = scan.kind; isPut = q === Kind.Bytes && equalBytes(datagram, scan.bytesAt, pos, PUT); break // q
      case 0x61: a = scan.kind; aAt = valueAt; break // a
      case 0x72: r = scan.kind; rAt = valueAt; break // r
      case 0x65: e = scan.kind; break // e
    }
  }
  if (t !== Kind.Bytes || y !== Kind.Bytes || yLength !== 1) return false
  switch (datagram[yAt]) {
    case 0x71: // q
      return q === Kind.Bytes && a === Kind.Dict && scan.arguments(aAt, isPut, false)
    case 0x72: // r
      return r === Kind.Dict && scan.arguments(rAt, false, true)
    case 0x65: // e
      return e === Kind.None || e === Kind.List
    default:
      return false
  }
}

/** A bencode reader over one datagram: each method returns the position after what it read, or -1. */
class Scan {
  data: Uint8Array = new Uint8Array(0)
  /** What the last `value()` read. */
  kind = Kind.None
  /** Where the payload of the last byte string read starts. */
  bytesAt = 0
  /** The last integer read (any precision; callers check it is safe). */
  integer = 0
  readonly #stack: number[] = []

  bytes (pos: number): number {
    const data = this.data
    let length = 0
    let at = pos
    while (at < data.length && isDigit(data[at]!)) {
      length = length * 10 + data[at]! - 0x30
      at++
    }
    if (at === pos || data[at] !== COLON) return -1
    at++
    if (at + length > data.length) return -1
    this.kind = Kind.Bytes
    this.bytesAt = at
    return at + length
  }

  integerValue (pos: number): number {
    const data = this.data
    let at = pos + 1
    const sign = data[at] === MINUS ? -1 : 1
    if (sign === -1) at++
    const digits = at
    let value = 0
    while (at < data.length && isDigit(data[at]!)) {
      value = value * 10 + data[at]! - 0x30
      at++
    }
    if (at === digits || data[at] !== END) return -1
    this.kind = Kind.Integer
    this.integer = sign * value
    return at + 1
  }

  /** Reads any value; containers are walked with a stack, so deep nesting cannot overflow ours. */
  value (pos: number): number {
    const data = this.data
    const stack = this.#stack
    stack.length = 0
    let at = pos
    for (;;) {
      const c = data[at]
      if (c === DICT_START || c === LIST_START) {
        if (stack.length === MAX_DEPTH) return -1
        stack.push(c)
        at++
      } else {
        at = c === INTEGER_START ? this.integerValue(at) : this.bytes(at)
        if (at === -1) return -1
        if (stack.length === 0) return at
      }
      for (;;) {
        if (at >= data.length) return -1
        if (data[at] === END) {
          at++
          const closed = stack.pop()
          if (stack.length === 0) {
            this.kind = closed === DICT_START ? Kind.Dict : Kind.List
            return at
          }
          continue
        }
        if (stack[stack.length - 1] === DICT_START) {
          at = this.bytes(at)
          if (at === -1) return -1
        }
        break
      }
    }
  }

  /** Checks the fields of the query arguments or response dict at `pos` (already read once). */
  arguments (pos: number, put: boolean, values: boolean): boolean {
    const data = this.data
    let at = pos + 1
    let k = false
    let sig = false
    let salt = false
    while (data[at] !== END) {
      at = this.bytes(at)
      if (at === -1) return false
      const field = fieldOf(data, this.bytesAt, at)
      const valueAt = at
      at = this.value(at)
      if (at === -1) return false
      switch (field) {
        case Field.Bytes: if (this.kind !== Kind.Bytes) return false; break
        case Field.K: k = true; if (this.kind !== Kind.Bytes) return false; break
        case Field.Sig: sig = true; if (this.kind !== Kind.Bytes) return false; break
        case Field.Salt: salt = true; if (this.kind !== Kind.Bytes) return false; break
        case Field.Integer: if (this.kind !== Kind.Integer || !Number.isSafeInteger(this.integer)) return false; break
        case Field.Values: if (values && !this.#listOfBytes(valueAt)) return false; break
      }
    }
    // A put that has any of k, sig or salt is treated as mutable and hashes k + salt unchecked.
    return !put || !(k || sig || salt) || (k && sig)
  }

  #listOfBytes (pos: number): boolean {
    const data = this.data
    if (data[pos] !== LIST_START) return false
    let at = pos + 1
    while (data[at] !== END) {
      at = this.value(at)
      if (at === -1 || this.kind !== Kind.Bytes) return false
    }
    return true
  }
}

// One scanner for every datagram: wellFormedKrpc runs to completion, and this saves two allocations.
const scan = new Scan()

function fieldOf (data: Uint8Array, start: number, end: number): Field {
  for (const { bytes, field } of FIELD_NAMES[end - start] ?? NO_FIELDS) {
    if (equalBytes(data, start, end, bytes)) return field
  }
  return Field.Other
}

function equalBytes (data: Uint8Array, start: number, end: number, expected: Uint8Array): boolean {
  if (end - start !== expected.length) return false
  for (let i = 0; i < expected.length; i++) {
    if (data[start + i] !== expected[i]) return false
  }
  return true
}

function isDigit (c: number): boolean {
  return c >= 0x30 && c <= 0x39
}

/**
 * A UDP socket for bittorrent-dht's `socket` option that drops malformed KRPC datagrams
 * before the DHT sees them. Each DHT client needs its own.
 */
export function guardedSocket (): Socket {
  let bound = false
  // dgram resolves every destination, even an IP address, through dns.lookup and a nextTick; a
  // DHT node sends to addresses only, thousands of times a second. Not before 'listening': a
  // synchronous lookup in bind() would emit it before the caller listens for it.
  const lookup: NonNullable<SocketOptions['lookup']> = (host, options, callback) => {
    if (bound && isIPv4(host)) callback(null, host, 4)
    else dnsLookup(host, options, callback)
  }
  const socket = createSocket({ type: 'udp4', lookup })
  socket.once('listening', () => { bound = true })
  const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean
  socket.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
    if (event === 'message') {
      const [datagram, rinfo] = args as [Buffer, { address: string, port: number }]
      if (!wellFormedKrpc(datagram)) {
        log('dropped a malformed datagram from %s:%d', rinfo.address, rinfo.port)
        return false
      }
    }
    return emit(event, ...args)
  }) as Socket['emit']
  return socket
}
