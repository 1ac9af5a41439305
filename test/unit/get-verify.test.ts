import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { verifyDownload } from '../../src/get/verify.js'
import { identityFromSeed } from '../../src/identity.js'
import { MANIFEST_FILE } from '../../src/share/manifest.js'
import { makeModelTorrent } from '../helpers/model-torrent.js'

async function fixture (t: { after: (fn: () => Promise<void>) => void }, options: { sign?: boolean } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'silmaril-verify-'))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  await writeFile(join(dir, 'weights.bin'), randomBytes(70_000))
  await writeFile(join(dir, 'config.json'), '{"model_type":"llama"}\n')
  const made = await makeModelTorrent(dir, options)
  const all = new Set(made.torrent.files.filter(f => !f.pad).map(f => f.path))
  return { dir, ...made, all }
}

test('a download matching its torrent and signed manifest verifies', async t => {
  const { dir, torrent, identity, all } = await fixture(t)
  const verified = await verifyDownload({ folder: dir, torrent, selected: all, publisher: identity.publisherId, requireSignature: true })
  assert.equal(verified.signed, true)
  assert.deepEqual(verified.hashes.map(h => h.path).sort(), [...all].sort())
})

test('a corrupt file is named with what differed', async t => {
  const { dir, torrent, all } = await fixture(t)
  const bytes = randomBytes(70_000)
  await writeFile(join(dir, 'weights.bin'), bytes)
  await assert.rejects(verifyDownload({ folder: dir, torrent, selected: all, requireSignature: true }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'verification_failed')
    assert.match(err.message, /^weights\.bin: its v2 pieces root is [0-9a-f]{64}, the torrent says [0-9a-f]{64}$/)
    return true
  })
})

test('a file of the wrong size or missing fails before any hashing', async t => {
  const { dir, torrent, all } = await fixture(t)
  await writeFile(join(dir, 'weights.bin'), randomBytes(10))
  await assert.rejects(verifyDownload({ folder: dir, torrent, selected: all, requireSignature: true }), /weights\.bin: 10 bytes on disk, the torrent says 70000/)
  await rm(join(dir, 'weights.bin'))
  await assert.rejects(verifyDownload({ folder: dir, torrent, selected: all, requireSignature: true }), /weights\.bin: missing/)
})

test('a manifest signed by another key than the entry publisher is refused', async t => {
  const { dir, torrent, all } = await fixture(t)
  const other = identityFromSeed(randomBytes(32))
  await assert.rejects(verifyDownload({ folder: dir, torrent, selected: all, publisher: other.publisherId, requireSignature: true }),
    /\.silmaril\.json is signed by [0-9a-f]{16}…, not by the catalog entry's publisher [0-9a-f]{16}…/)
})

test('an unsigned manifest is refused when signatures are required, accepted otherwise', async t => {
  const { dir, torrent, all } = await fixture(t, { sign: false })
  await assert.rejects(verifyDownload({ folder: dir, torrent, selected: all, requireSignature: true }), /is not signed/)
  assert.equal((await verifyDownload({ folder: dir, torrent, selected: all, requireSignature: false })).signed, false)
})

test('a signed manifest whose sha256 disagrees with the data, in an otherwise consistent torrent, is refused', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'silmaril-verify-'))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  await writeFile(join(dir, 'weights.bin'), randomBytes(70_000))
  const { torrent } = await makeModelTorrent(dir, { tamper: files => files.map(f => ({ ...f, sha256: '0'.repeat(64) })) })
  const all = new Set(torrent.files.filter(f => !f.pad).map(f => f.path))
  await assert.rejects(verifyDownload({ folder: dir, torrent, selected: all, requireSignature: true }), /^SilmarilError: weights\.bin: its sha256 is [0-9a-f]{64}, the manifest says 0{64}$/)
})

test('only the selected files are checked', async t => {
  const { dir, torrent } = await fixture(t)
  await rm(join(dir, 'weights.bin'))
  const verified = await verifyDownload({ folder: dir, torrent, selected: new Set(['config.json', MANIFEST_FILE]), requireSignature: true })
  assert.deepEqual(verified.hashes.map(h => h.path).sort(), ['.silmaril.json', 'config.json'])
})
