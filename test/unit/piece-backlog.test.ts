import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PieceBacklog } from '../../src/get/piece-backlog.js'

test('the backlog is full from its limit on, counts a piece once, and frees only what it holds', () => {
  const backlog = new PieceBacklog(3 * 1024)
  backlog.add(0, 1024)
  backlog.add(1, 1024)
  backlog.add(1, 1024)
  assert.equal(backlog.bytes, 2048, 'a piece reported twice counts once')
  assert.equal(backlog.full, false)
  backlog.add(7, 1024)
  assert.equal(backlog.full, true)
  backlog.remove(9)
  assert.equal(backlog.bytes, 3072, 'a piece never added changes nothing')
  backlog.remove(1)
  backlog.remove(1)
  assert.equal(backlog.bytes, 2048, 'a piece removed twice frees once')
  assert.equal(backlog.full, false)
  backlog.remove(0)
  backlog.remove(7)
  assert.equal(backlog.bytes, 0)
})
