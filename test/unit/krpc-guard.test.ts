import assert from 'node:assert/strict'
import { test } from 'node:test'
import bencode from 'bencode'
import { MAX_DEPTH } from '../../src/dht/krpc-codec.js'
import { wellFormedKrpc } from '../../src/dht/krpc-guard.js'
import { crashingQueries, getQuery, pingQuery } from '../helpers/krpc-datagrams.js'

const ID = Buffer.alloc(20, 3)
const T = Buffer.from('tt')

test('well-formed KRPC messages pass', () => {
  const token = Buffer.alloc(20, 2)
  const messages = [
    pingQuery(),
    getQuery(),
    bencode.encode({ t: T, y: 'q', q: 'put', a: { id: ID, token, v: 'hi', k: Buffer.alloc(32), sig: Buffer.alloc(64), seq: 1, cas: 0, salt: 'salt' } }),
    bencode.encode({ t: T, y: 'q', q: 'put', a: { id: ID, token, v: { ih: Buffer.alloc(20) } } }),
    bencode.encode({ t: T, y: 'q', q: 'announce_peer', a: { id: ID, info_hash: Buffer.alloc(20), token, port: 6881, implied_port: 0 } }),
    bencode.encode({ t: T, y: 'r', r: { id: ID, token, nodes: Buffer.alloc(26), values: [Buffer.alloc(6)] } }),
    bencode.encode({ t: T, y: 'r', r: { id: ID, v: 'x', k: Buffer.alloc(32), sig: Buffer.alloc(64), seq: 9 } }),
    bencode.encode({ t: T, y: 'e', e: [301, 'CAS mismatch'] })
  ]
  for (const message of messages) assert.equal(wellFormedKrpc(message), true, Buffer.from(message).toString())
})

test('datagrams that crash an unguarded bittorrent-dht are dropped', () => {
  for (const [name, datagram] of Object.entries(crashingQueries(Buffer.alloc(20, 2)))) {
    assert.equal(wellFormedKrpc(datagram), false, name)
  }
})

test('malformed KRPC messages are dropped', () => {
  const messages: Array<Uint8Array> = [
    new Uint8Array(0),
    Buffer.from('not bencode'),
    Buffer.from('d1:t'),
    bencode.encode([1, 2]),
    bencode.encode({ y: 'q', q: 'ping', a: { id: ID } }),
    bencode.encode({ t: 5, y: 'q', q: 'ping', a: { id: ID } }),
    bencode.encode({ t: T, y: 'x' }),
    bencode.encode({ t: T, y: 'q', q: 'ping', a: ID }),
    bencode.encode({ t: T, y: 'q', a: { id: ID } }),
    bencode.encode({ t: T, y: 'q', q: 'get', a: { id: 5, target: ID } }),
    bencode.encode({ t: T, y: 'q', q: 'put', a: { id: ID, token: ID, v: 'x', k: Buffer.alloc(32), sig: Buffer.alloc(64), seq: 'one' } }),
    bencode.encode({ t: T, y: 'r', r: { id: 5 } }),
    bencode.encode({ t: T, y: 'r', r: { id: ID, values: [5] } }),
    bencode.encode({ t: T, y: 'r', r: ID }),
    bencode.encode({ t: T, y: 'e', e: 5 })
  ]
  for (const message of messages) assert.equal(wellFormedKrpc(message), false, Buffer.from(message).toString())
})

// The guard before it scanned in place: decode everything, then check the fields.
function decodedWellFormed (datagram: Uint8Array): boolean {
  type Dict = Record<string, unknown>
  const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array)
  const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array
  const typed = (d: Dict): boolean =>
    ['id', 'target', 'info_hash', 'token', 'k', 'salt', 'sig', 'nodes', 'nodes6'].every(f => d[f] === undefined || isBytes(d[f])) &&
    ['port', 'implied_port', 'seq', 'cas'].every(f => d[f] === undefined || Number.isSafeInteger(d[f]))
  let m: unknown
  try {
    m = bencode.decode(datagram)
  } catch {
    return false
  }
  if (!isDict(m) || !isBytes(m['t']) || !isBytes(m['y'])) return false
  switch (Buffer.from(m['y']).toString()) {
    case 'q': {
      const a = m['a']
      if (!isBytes(m['q']) || !isDict(a) || !typed(a)) return false
      const mutable = a['k'] !== undefined || a['sig'] !== undefined || a['salt'] !== undefined
      return Buffer.from(m['q']).toString() !== 'put' || !mutable || (a['k'] !== undefined && a['sig'] !== undefined)
    }
    case 'r': {
      const r = m['r']
      return isDict(r) && typed(r) && (r['values'] === undefined || (Array.isArray(r['values']) && r['values'].every(isBytes)))
    }
    case 'e': return m['e'] === undefined || Array.isArray(m['e'])
    default: return false
  }
}

/** A deterministic PRNG, so a failure can be replayed. */
function random (seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff
    return s / 0x80000000
  }
}

function randomMessage (rand: () => number): Uint8Array {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!
  const value = (depth: number): unknown => pick([
    () => Buffer.alloc(Math.floor(rand() * 24), 7),
    () => Math.floor(rand() * 2 ** 40) * (rand() < 0.2 ? -1 : 1),
    () => depth > 2 ? 1 : Array.from({ length: Math.floor(rand() * 3) }, () => value(depth + 1)),
    () => depth > 2 ? 2 : Object.fromEntries(Array.from({ length: Math.floor(rand() * 3) }, () => [pick(FIELDS), value(depth + 1)]))
  ])()
  const FIELDS = ['id', 'target', 'info_hash', 'token', 'k', 'salt', 'sig', 'nodes', 'nodes6', 'port', 'implied_port', 'seq', 'cas', 'values', 'v', 'x']
  const args: Record<string, unknown> = {}
  for (const field of FIELDS) {
    if (rand() < 0.3) args[field] = rand() < 0.7 ? (['port', 'implied_port', 'seq', 'cas'].includes(field) ? 5 : field === 'values' ? [Buffer.alloc(6)] : Buffer.alloc(20)) : value(1)
  }
  const message: Record<string, unknown> = {}
  if (rand() < 0.95) message['t'] = rand() < 0.9 ? T : value(1)
  if (rand() < 0.95) message['y'] = pick(['q', 'r', 'e', 'qq', 'x', ''])
  if (rand() < 0.8) message['q'] = pick(['put', 'get', 'ping', 'puts'])
  if (rand() < 0.8) message[pick(['a', 'r'])] = rand() < 0.9 ? args : value(1)
  if (rand() < 0.3) message['e'] = rand() < 0.7 ? [201, 'x'] : value(1)
  return bencode.encode(message)
}

test('the in-place scan agrees with decoding on canonical messages', () => {
  const rand = random(1)
  let accepted = 0
  for (let i = 0; i < 20_000; i++) {
    const datagram = randomMessage(rand)
    const expected = decodedWellFormed(datagram)
    assert.equal(wellFormedKrpc(datagram), expected, Buffer.from(datagram).toString('latin1'))
    if (expected) accepted++
  }
  assert.ok(accepted > 1000, `only ${accepted} random messages were well formed`)
})

test('the in-place scan never accepts a corrupted datagram that decoding refuses', () => {
  const rand = random(2)
  for (let i = 0; i < 20_000; i++) {
    const datagram = Buffer.from(randomMessage(rand))
    for (let n = 1 + Math.floor(rand() * 3); n > 0; n--) {
      const at = Math.floor(rand() * datagram.length)
      datagram[at] = rand() < 0.5 ? Math.floor(rand() * 256) : 'deil:0123456789-'.charCodeAt(Math.floor(rand() * 16))
    }
    if (wellFormedKrpc(datagram)) assert.equal(decodedWellFormed(datagram), true, datagram.toString('latin1'))
  }
})

test('duplicate keys are judged by the last one, as the decoders read them', () => {
  const q = (tail: string): Buffer => Buffer.from(`d1:ad2:id20:${'i'.repeat(20)}6:target20:${'t'.repeat(20)}${tail}e1:q3:get1:t2:aa1:y1:qe`)
  assert.equal(wellFormedKrpc(q('')), true)
  assert.equal(wellFormedKrpc(q('6:targeti5e')), false)
  const y = (first: string, last: string): Buffer => Buffer.from(`d1:ad2:id20:${'i'.repeat(20)}e1:q4:ping1:t2:aa1:y1:${first}1:y1:${last}e`)
  assert.equal(wellFormedKrpc(y('x', 'q')), true)
  assert.equal(wellFormedKrpc(y('q', 'x')), false)
})

test('truncated, oversized and deeply nested datagrams are dropped without throwing', () => {
  const ping = Buffer.from(pingQuery())
  for (let end = 0; end < ping.length; end++) assert.equal(wellFormedKrpc(ping.subarray(0, end)), false, `cut at ${end}`)
  assert.equal(wellFormedKrpc(Buffer.from('d1:t99999:aa1:y1:qe')), false)
  assert.equal(wellFormedKrpc(Buffer.from('d1:ti1.5e1:y1:qe')), false)
  const nested = (depth: number): Buffer => Buffer.from(`d1:ad2:id20:${'i'.repeat(20)}1:v${'l'.repeat(depth)}${'e'.repeat(depth)}e1:q3:put1:t2:aa1:y1:qe`)
  // The message and `a` are two of the MAX_DEPTH levels.
  assert.equal(wellFormedKrpc(nested(MAX_DEPTH - 2)), true)
  assert.equal(wellFormedKrpc(nested(MAX_DEPTH - 1)), false)
  assert.equal(wellFormedKrpc(nested(30_000)), false)
})
