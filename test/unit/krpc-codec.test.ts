import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import { decodeKrpc, encodeKrpc, installKrpcCodec, withDecoded } from '../../src/dht/krpc-codec.js'

interface Bencode2 {
  decode: (data: Buffer) => unknown
  encode: (data: unknown) => Buffer
}

// The bencode k-rpc-socket uses, which the codec must match byte for byte.
const fromDht = createRequire(import.meta.resolve('bittorrent-dht'))
const bencode2 = createRequire(createRequire(fromDht.resolve('k-rpc')).resolve('k-rpc-socket'))('bencode') as Bencode2

function random (seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff
    return s / 0x80000000
  }
}

function randomValue (rand: () => number, depth = 0): unknown {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!
  const kinds = [
    () => Buffer.from(Array.from({ length: Math.floor(rand() * 30) }, () => Math.floor(rand() * 256))),
    () => pick(['', 'q', 'get_peers', 'ünï', 'a:b', '12']),
    () => Math.floor(rand() * 2 ** 52) * (rand() < 0.3 ? -1 : 1),
    () => pick([0, 1, -1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]),
    () => depth > 3 ? null : Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1)),
    () => depth > 3
      ? undefined
      : Object.fromEntries(Array.from({ length: Math.floor(rand() * 5) }, () => [pick(['t', 'y', 'a', 'id', 'values', 'nodes', 'é', 'zz', '1']), randomValue(rand, depth + 1)]))
  ]
  return pick(kinds)()
}

test('encodes as bencode 2 does, byte for byte', () => {
  const rand = random(3)
  for (let i = 0; i < 20_000; i++) {
    const value = randomValue(rand)
    const encoded = encodeKrpc(value)
    assert.notEqual(encoded, null)
    assert.deepEqual(encoded, bencode2.encode(value))
  }
  for (const n of [0, 9, 10, 99, 100, 999, 1000, 9999, 10_000, 60_000]) {
    const value = { b: Buffer.alloc(n, 1), s: 'x'.repeat(n % 5000) }
    assert.deepEqual(encodeKrpc(value), bencode2.encode(value), `${n} bytes`)
  }
})

test('declines what only bencode 2 encodes', () => {
  const values = [1.5, true, new Map([['a', 1]]), new Set([1]), new Uint8Array(2), { a: () => 1 }, [Symbol('s')], 2 ** 60, { big: 'x'.repeat(70_000) }]
  for (const [i, value] of values.entries()) assert.equal(encodeKrpc(value), null, `value ${i}`)
})

test('decodes as bencode 2 does: Buffers that are views of the datagram, string keys', () => {
  const rand = random(4)
  for (let i = 0; i < 20_000; i++) {
    const datagram = bencode2.encode(randomValue(rand))
    if (datagram.length === 0) continue
    const decoded = decodeKrpc(datagram)
    assert.deepEqual(decoded, bencode2.decode(datagram))
  }
  const datagram = bencode2.encode({ t: Buffer.from('aa'), a: { id: Buffer.alloc(20, 1) } })
  const decoded = decodeKrpc(datagram) as { t: Buffer, a: { id: Buffer } }
  assert.ok(Buffer.isBuffer(decoded.a.id))
  assert.equal(decoded.t.buffer, datagram.buffer)
})

test('refuses what is not strict bencode instead of guessing', () => {
  for (const text of ['', 'x', 'd', 'd1:a', 'i1.5e', 'i-e', 'ie', 'i+1e', '5:abc', '-1:a', 'di1ei2ee', 'l'.repeat(200) + 'e'.repeat(200)]) {
    assert.equal(decodeKrpc(Buffer.from(text)), undefined, text)
  }
  assert.deepEqual(decodeKrpc(Buffer.from('d1:ai1eeTRAILING')), { a: 1 })
})

test('k-rpc-socket takes the handed message and encodes with the codec', () => {
  assert.equal(installKrpcCodec(), true)
  const datagram = bencode2.encode({ t: Buffer.from('aa'), y: 'q' })
  const handed = { handed: true }
  assert.equal(withDecoded(datagram, handed, () => bencode2.decode(datagram)), handed)
  // Once only, and only for that datagram.
  assert.notEqual(withDecoded(datagram, handed, () => { bencode2.decode(datagram); return bencode2.decode(datagram) }), handed)
  assert.notEqual(withDecoded(datagram, handed, () => bencode2.decode(Buffer.from(datagram))), handed)
  assert.deepEqual(bencode2.decode(datagram), { t: Buffer.from('aa'), y: Buffer.from('q') })
  assert.deepEqual(bencode2.encode({ y: 'r', t: Buffer.from('aa') }), Buffer.from('d1:t2:aa1:y1:re'))
  assert.deepEqual(bencode2.encode(true), Buffer.from('i1e'))
})
