import assert from 'node:assert/strict'
import { test } from 'node:test'
import bencode from 'bencode'
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
