import assert from 'node:assert/strict'
import { test } from 'node:test'
import Piece from 'torrent-piece'

// torrent-piece is patched (patches/torrent-piece+*.patch) to copy blocks into one piece buffer as
// they arrive; a download's correctness rests on what flush() returns, patched or not.

const BLOCK = Piece.BLOCK_LENGTH

function block (length: number, fill: number): Uint8Array {
  return new Uint8Array(length).fill(fill)
}

test('a piece assembled from blocks in any order flushes the bytes in place, once, in a buffer of its own', () => {
  const length = 2 * BLOCK + 1000
  const piece = new Piece(length)
  assert.deepEqual([piece.reserve(), piece.reserve(), piece.reserve(), piece.reserve()], [0, 1, 2, -1])
  assert.equal(piece.set(2, block(1000, 3), 'a'), false)
  assert.equal(piece.flush(), null, 'an incomplete piece does not flush')
  assert.equal(piece.set(0, block(BLOCK, 1), 'b'), false)
  assert.equal(piece.set(0, block(BLOCK, 9), 'c'), false, 'a block already held is not taken again')
  assert.equal(piece.set(1, block(BLOCK, 2), 'a'), true)
  assert.equal(piece.missing, 0)
  assert.deepEqual(piece.sources, ['a', 'b'])

  const buf = piece.flush()
  assert.ok(buf !== null)
  assert.equal(buf.length, length)
  assert.equal(buf.byteOffset, 0)
  assert.equal(buf.buffer.byteLength, length, 'the hash worker can take the buffer without copying it')
  assert.deepEqual([buf[0], buf[BLOCK - 1], buf[BLOCK], buf[2 * BLOCK - 1], buf[2 * BLOCK], buf[length - 1]], [1, 1, 2, 2, 3, 3])
  assert.equal(piece.flush(), null, 'a flushed piece is done')
  assert.equal(piece.reserve(), -1)
})

test('a web seed range covering several blocks fills them all; the network chunk can be reused after set', () => {
  const length = 3 * BLOCK
  const piece = new Piece(length)
  assert.equal(piece.reserveRemaining(), 0)
  const chunk = new Uint8Array(length)
  for (let i = 0; i < length; i++) chunk[i] = i % 251
  assert.equal(piece.set(0, chunk, 'origin'), true)
  chunk.fill(0)
  const buf = piece.flush()
  assert.ok(buf !== null)
  assert.ok(buf.every((byte, i) => byte === i % 251))
})

test('a cancelled block is reserved again and the piece completes when it arrives', () => {
  const piece = new Piece(2 * BLOCK)
  assert.equal(piece.reserve(), 0)
  assert.equal(piece.reserve(), 1)
  piece.cancel(1)
  assert.equal(piece.reserve(), 1)
  assert.equal(piece.set(1, block(BLOCK, 5), 'a'), false)
  assert.equal(piece.set(0, block(BLOCK, 4), 'a'), true)
  const buf = piece.flush()
  assert.deepEqual([buf?.[0], buf?.[BLOCK]], [4, 5])
})
