import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PiecePool } from '../../src/get/piece-pool.js'

test('a buffer given back is taken again by the next piece of its length, up to the byte cap', () => {
  const pool = new PiecePool(3000)
  const a = pool.take(1000)
  assert.equal(a.length, 1000)
  pool.give(a)
  assert.equal(pool.bytes, 1000)
  assert.equal(pool.take(500).length, 500, 'another length gets a new buffer')
  assert.equal(pool.take(1000), a)
  assert.equal(pool.bytes, 0)

  const held = [pool.take(1000), pool.take(1000), pool.take(1000), pool.take(1000)]
  for (const buf of held) pool.give(buf)
  assert.equal(pool.bytes, 3000, 'the fourth is left to the garbage collector')
  pool.clear()
  assert.equal(pool.bytes, 0)
  assert.ok(!held.includes(pool.take(1000)))
})

test('views, shared memory and empty buffers are never pooled', () => {
  const pool = new PiecePool(1 << 20)
  pool.give(new Uint8Array(new ArrayBuffer(2000), 1000, 1000))
  pool.give(new Uint8Array(new ArrayBuffer(2000), 0, 1000))
  pool.give(new Uint8Array(new SharedArrayBuffer(1000)))
  pool.give(new Uint8Array(0))
  assert.equal(pool.bytes, 0)
})
