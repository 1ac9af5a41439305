import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test, type TestContext } from 'node:test'
import { DownloadHasher } from '../../src/get/download-hasher.js'
import { PiecePool } from '../../src/get/piece-pool.js'
import { fileMerkle } from '../../src/share/torrent/merkle.js'
import type { ParsedHybridTorrent } from '../../src/share/torrent/index.js'
import { seededBytes } from '../helpers/seeded-bytes.js'

const PIECE = 32_768

/** Two files, the first padded to a piece boundary as in a hybrid torrent; its pieces as the swarm sends them. */
function layout (): { torrent: ParsedHybridTorrent, weights: Buffer, config: Buffer, pieces: Buffer[] } {
  const weights = seededBytes(PIECE * 3 + 1000, 1)
  const config = seededBytes(5000, 2)
  const pad = PIECE * 4 - weights.length
  const files = [
    { path: 'm/model.safetensors', offset: 0, size: weights.length, pad: false },
    { path: 'm/.pad/' + String(pad), offset: weights.length, size: pad, pad: true },
    { path: 'm/config.json', offset: PIECE * 4, size: config.length, pad: false }
  ]
  const whole = Buffer.concat([weights, Buffer.alloc(pad), config])
  const pieces: Buffer[] = []
  for (let offset = 0; offset < whole.length; offset += PIECE) pieces.push(Buffer.from(whole.subarray(offset, offset + PIECE)))
  const torrent = { pieceLength: PIECE, pieceCount: pieces.length, files } as unknown as ParsedHybridTorrent
  return { torrent, weights, config, pieces }
}

const sha1 = (data: Uint8Array): string => createHash('sha1').update(data).digest('hex')
const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex')

/** A hasher (with its worker) for the files at `paths`, stopped when the test ends. */
function startHasher (t: TestContext, torrent: ParsedHybridTorrent, paths: string[]): DownloadHasher {
  const hasher = new DownloadHasher(torrent, new Set(paths))
  t.after(async () => { await hasher.stop() })
  return hasher
}

test('verify checks SHA-1 on the worker, hands the bytes back, and hashes verified pieces for their files', async t => {
  const { torrent, weights, config, pieces } = layout()
  const hasher = startHasher(t, torrent, ['m/model.safetensors', 'm/config.json'])
  // Out of order, as a swarm delivers them.
  for (const index of [2, 0, 4, 3, 1]) {
    const piece = pieces[index]!
    const copy = Buffer.from(piece)
    const check = await hasher.verify(index, copy, sha1(piece))
    assert.equal(check.hex, sha1(piece))
    assert.deepEqual(Buffer.from(check.buf), piece, `piece ${index} comes back whole`)
  }
  const hashed = await hasher.finish()
  assert.equal(hashed.get('m/model.safetensors')?.sha256, sha256(weights))
  assert.deepEqual(Buffer.from(hashed.get('m/model.safetensors')!.nodes), Buffer.from(fileMerkle(weights, PIECE).pieceLayer))
  assert.equal(hashed.get('m/config.json')?.sha256, sha256(config))
})

test('a piece that fails its SHA-1 never counts for its file; the good copy does, also when the store reports it afterwards', async t => {
  const { torrent, weights, pieces } = layout()
  const hasher = startHasher(t, torrent, ['m/model.safetensors'])
  const corrupt = Buffer.from(pieces[1]!)
  corrupt[100] = corrupt[100]! ^ 0xff
  const corruptHex = sha1(corrupt)
  const bad = await hasher.verify(1, corrupt, sha1(pieces[1]!))
  assert.equal(corrupt.length, 0, 'the piece moved to the worker')
  assert.equal(bad.hex, corruptHex, 'the caller sees the mismatch')
  for (const index of [0, 1, 2, 3]) {
    const check = await hasher.verify(index, Buffer.from(pieces[index]!), sha1(pieces[index]!))
    // As webtorrent's store does after a verified piece: already taken by verify, so skipped.
    hasher.piece(index, check.buf)
  }
  const hashed = await hasher.finish()
  assert.equal(hashed.get('m/model.safetensors')?.sha256, sha256(weights))
})

test('stopped with checks still out, the hasher answers them unchecked (hex null), never as failing: a failure bans the peers that sent the piece', async t => {
  const { torrent, pieces } = layout()
  const hasher = startHasher(t, torrent, ['m/model.safetensors', 'm/config.json'])
  const pool = new PiecePool(1 << 20)
  const out = pieces.map((piece, index) => {
    const slot = pool.take(piece.length)
    slot.set(piece)
    return hasher.verify(index, slot, sha1(piece))
  })
  await hasher.stop()
  const checks = await Promise.all(out)
  assert.ok(checks.some(check => check.hex === null), 'the stop caught checks on the worker')
  checks.forEach((check, index) => { assert.ok(check.hex === null || check.hex === sha1(pieces[index]!), `piece ${index}: ${String(check.hex)}`) })
})

test('without a worker (nothing selected) verify hashes on the calling thread', async () => {
  const { torrent, pieces } = layout()
  const hasher = new DownloadHasher(torrent, new Set())
  const piece = pieces[0]!
  const check = await hasher.verify(0, piece, sha1(piece))
  assert.equal(check.hex, sha1(piece))
  assert.equal(check.buf, piece, 'the same buffer, untouched')
  assert.equal((await hasher.finish()).size, 0)
})

test('a file missing a piece is left out, for the verifier to hash from disk', async t => {
  const { torrent, pieces } = layout()
  const hasher = startHasher(t, torrent, ['m/model.safetensors', 'm/config.json'])
  for (const index of [0, 1, 3, 4]) await hasher.verify(index, Buffer.from(pieces[index]!), sha1(pieces[index]!))
  const hashed = await hasher.finish()
  assert.equal(hashed.has('m/model.safetensors'), false)
  assert.equal(hashed.has('m/config.json'), true)
})

test('pieces in the shared piece pool are read in place, and one reused right after its check does not change what its file hashed to', async t => {
  const { torrent, weights, config, pieces } = layout()
  const hasher = startHasher(t, torrent, ['m/model.safetensors', 'm/config.json'])
  const pool = new PiecePool(1 << 20)
  // Out of order, so pieces wait in the worker for the in-order SHA-256; one slot serves every whole piece.
  for (const index of [3, 1, 4, 0, 2]) {
    const slot = pool.take(pieces[index]!.length)
    slot.set(pieces[index]!)
    const check = await hasher.verify(index, slot, sha1(pieces[index]!))
    assert.equal(check.hex, sha1(pieces[index]!))
    assert.equal(check.buf, slot, 'the same memory, not moved')
    assert.equal(slot.length, pieces[index]!.length)
    slot.fill(0xee)
    pool.give(slot)
  }
  const hashed = await hasher.finish()
  assert.equal(hashed.get('m/model.safetensors')?.sha256, sha256(weights))
  assert.deepEqual(Buffer.from(hashed.get('m/model.safetensors')!.nodes), Buffer.from(fileMerkle(weights, PIECE).pieceLayer))
  assert.equal(hashed.get('m/config.json')?.sha256, sha256(config))
})

test('pieces the store reports without a check (a view, a pool slot reused at once, a whole buffer) count for their files; the caller keeps its bytes', async t => {
  const { torrent, weights, config, pieces } = layout()
  const hasher = startHasher(t, torrent, ['m/model.safetensors', 'm/config.json'])
  const pool = new PiecePool(1 << 20)
  for (const index of [1, 0, 3, 2, 4]) {
    const piece = pieces[index]!
    if (index % 2 === 0) {
      const slot = pool.take(piece.length)
      slot.set(piece)
      hasher.piece(index, slot)
      slot.fill(0xee)
      pool.give(slot)
    } else if (index === 1) {
      const view = Buffer.concat([Buffer.alloc(7), piece]).subarray(7)
      hasher.piece(index, view)
      assert.deepEqual(view, piece, 'a view is left as it was')
    } else {
      const whole = new Uint8Array(piece)
      hasher.piece(index, whole)
      assert.equal(whole.length, piece.length, 'a whole buffer is not moved away')
    }
  }
  const hashed = await hasher.finish()
  assert.equal(hashed.get('m/model.safetensors')?.sha256, sha256(weights))
  assert.equal(hashed.get('m/config.json')?.sha256, sha256(config))
})
