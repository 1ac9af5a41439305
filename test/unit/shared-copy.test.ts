import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { copyInto, sharedCopyIsNative } from '../../src/get/shared-copy.js'

test('a block copied into shared memory lands exactly where set() would put it', t => {
  if (!sharedCopyIsNative) t.diagnostic('this Node has no copyArrayBuffer binding: copies use set(), checked the same')
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 4096 }),
    (length, sourceOffset, targetOffset, at) => {
      const target = new Uint8Array(new SharedArrayBuffer(targetOffset + 8192), targetOffset, 4096 + 4096)
      const expected = new Uint8Array(target.length)
      const source = new Uint8Array(sourceOffset + length).map((_, i) => (i * 7 + 3) & 0xff).subarray(sourceOffset)
      copyInto(target, source, at)
      expected.set(source, at)
      assert.deepEqual(new Uint8Array(target), expected)
      // Nothing before the view was touched.
      assert.ok(new Uint8Array(target.buffer, 0, targetOffset).every(byte => byte === 0))
    }
  ), { numRuns: 300 })
})

test('a copy that does not fit throws like set() instead of reaching the native copy', () => {
  const target = new Uint8Array(new SharedArrayBuffer(64), 16, 32)
  assert.throws(() => { copyInto(target, new Uint8Array(8), 30) }, RangeError)
  assert.throws(() => { copyInto(target, new Uint8Array(8), -1) }, RangeError)
  assert.ok(new Uint8Array(target.buffer).every(byte => byte === 0))
})

test('ordinary memory and shared sources go through set()', () => {
  const plain = new Uint8Array(16)
  copyInto(plain, new Uint8Array([1, 2, 3]), 4)
  assert.deepEqual([...plain.subarray(3, 8)], [0, 1, 2, 3, 0])
  const shared = new Uint8Array(new SharedArrayBuffer(16))
  copyInto(shared, new Uint8Array(new SharedArrayBuffer(4)).fill(9), 12)
  assert.deepEqual([...shared.subarray(11)], [0, 9, 9, 9, 9])
})
