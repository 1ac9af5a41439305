import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PiecePool } from '../../src/get/piece-pool.js'
import { DIRECT_ALIGNMENT } from '../../src/share/direct-writer.js'

test('pieces are page-aligned slots of one shared arena, and a slot given back is taken by the next piece of its length', () => {
  const pool = new PiecePool(64 * 1024)
  const a = pool.take(5000)
  const b = pool.take(5000)
  for (const buf of [a, b]) {
    assert.equal(buf.length, 5000)
    assert.ok(buf.buffer instanceof SharedArrayBuffer)
    assert.equal(buf.byteOffset % DIRECT_ALIGNMENT, 0)
    assert.ok(pool.alignedView(buf))
  }
  assert.equal(a.buffer, b.buffer)
  assert.equal(b.byteOffset - a.byteOffset, 2 * DIRECT_ALIGNMENT, 'a slot is rounded up to the alignment')

  pool.give(a)
  pool.give(a)
  assert.equal(pool.bytes, 5000, 'given twice, kept once')
  assert.notEqual(pool.take(4096), a, 'another length gets its own slot')
  assert.equal(pool.take(5000), a)
  assert.equal(pool.bytes, 0)
  assert.notEqual(pool.take(5000), a)
})

test('a full arena hands out ordinary memory, which is never pooled', () => {
  const pool = new PiecePool(64 * 1024)
  const slots = Array.from({ length: 4 }, () => pool.take(16 * 1024))
  assert.ok(slots.every(buf => pool.alignedView(buf)))
  const extra = pool.take(16 * 1024)
  assert.equal(extra.length, 16 * 1024)
  assert.ok(!pool.alignedView(extra))
  assert.ok(extra.buffer instanceof ArrayBuffer)
  pool.give(extra)
  assert.equal(pool.bytes, 0)
})

test('after clear, buffers still out keep their bytes and are never handed out twice', () => {
  const pool = new PiecePool(64 * 1024)
  const old = pool.take(16 * 1024)
  old.fill(7)
  pool.clear()
  const fresh = pool.take(16 * 1024)
  assert.notEqual(fresh.buffer, old.buffer, 'a new arena')
  fresh.fill(1)
  assert.ok(old.every(byte => byte === 7))
  pool.give(old)
  assert.equal(pool.bytes, 0, 'a slot of the old arena is not pooled')
  assert.notEqual(pool.take(16 * 1024), old)
})

test('views that are not whole slots of the arena, and empty buffers, are never pooled', () => {
  const pool = new PiecePool(1 << 20)
  const slot = pool.take(8192)
  pool.give(slot.subarray(16, 4112))
  pool.give(slot.subarray(4096))
  assert.ok(pool.alignedView(slot.subarray(4096)), 'an aligned view may be written direct')
  pool.give(new Uint8Array(new ArrayBuffer(2000), 0, 1000))
  pool.give(new Uint8Array(new SharedArrayBuffer(4096)))
  pool.give(pool.take(0))
  assert.equal(pool.bytes, 0)
})
