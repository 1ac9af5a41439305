import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { hashFiles } from '../../src/share/torrent/hash-files.js'
import { createHybridTorrent, type HybridTorrent } from '../../src/share/torrent/hybrid-torrent.js'
import { choosePieceLength } from '../../src/share/torrent/piece-length.js'
import { runLibtorrentScript, skipUnlessLibtorrent, type LibtorrentPython } from '../helpers/libtorrent.js'
import { seededBytes } from '../helpers/seeded-bytes.js'

/** Local files only: libtorrent reads, creates and hash-checks torrents; no peer is ever contacted. */

const PIECE = 32768

interface Inspected {
  name: string
  has_v1: boolean
  has_v2: boolean
  v1: string
  v2: string
  piece_length: number
  num_pieces: number
  files: Array<{ path: string, size: number, offset: number, pad: boolean, root: string }>
}

interface Created {
  v1: string
  v2: string
  info_hex: string
  top_level_keys: string[]
  files: Array<{ path: string, size: number, attr: string }>
}

interface Checked {
  state: string
  is_seeding: boolean
  pieces_have: number
  num_pieces: number
  errors: string[]
}


/** Sizes around the edges: empty, tiny, one block, one piece, multi-piece, odd; nested and sort-sensitive names. */
const MODEL: Record<string, number> = {
  'config.json': 1,
  'empty.txt': 0,
  'one-block.bin': 16384,
  'one-piece.bin': PIECE,
  'tok.json': 333,
  'tok/vocab.txt': 12345,
  'weights/shard-00001.safetensors': 3 * PIECE + 777,
  'weights/shard-00002.safetensors': 5 * PIECE,
  'weights/deep/er/odd.bin': 65537,
  'weights/deep/zz-empty': 0,
  'modèle-é.md': 4097,
  'z-last.bin': 99
}

async function makeFolder (t: TestContext, name: string, files: Record<string, number>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'silmaril-interop-'))
  t.after(async () => { await rm(root, { recursive: true, force: true }) })
  for (const [path, size] of Object.entries(files)) {
    const absolute = join(root, name, path)
    await mkdir(dirname(absolute), { recursive: true })
    await writeFile(absolute, seededBytes(size, path.length * 7919 + size))
  }
  return join(root, name)
}

async function ours (folder: string, name: string, files: Record<string, number>, pieceLength: number): Promise<HybridTorrent> {
  const inputs = Object.entries(files).map(([path, size]) => ({ path, absolutePath: join(folder, path), size }))
  return createHybridTorrent({ name, pieceLength, files: await hashFiles(inputs, { pieceLength }) })
}

async function compareWithLibtorrent (lt: LibtorrentPython, folder: string, made: HybridTorrent): Promise<void> {
  const torrentFile = `${folder}.silmaril.torrent`
  await writeFile(torrentFile, made.torrent)

  const inspected = await runLibtorrentScript<Inspected>(lt, 'inspect_torrent.py', [torrentFile])
  assert.equal(inspected.has_v1, true, 'libtorrent sees a v1 torrent')
  assert.equal(inspected.has_v2, true, 'libtorrent sees a v2 torrent')
  assert.equal(inspected.v1, made.infoHashV1)
  assert.equal(inspected.v2, made.infoHashV2)
  assert.equal(inspected.num_pieces, made.pieceCount)

  const created = await runLibtorrentScript<Created>(lt, 'create_torrent.py', [folder, String(inspected.piece_length), `${folder}.libtorrent.torrent`])
  assert.equal(created.v1, made.infoHashV1, 'libtorrent makes the same v1 infohash')
  assert.equal(created.v2, made.infoHashV2, 'libtorrent makes the same v2 infohash')
  assert.equal(created.info_hex, Buffer.from(made.info).toString('hex'), 'libtorrent makes the same info dict bytes')
  assert.deepEqual(await readFile(`${folder}.libtorrent.torrent`), Buffer.from(made.torrent), 'and the same .torrent bytes once its creation date is removed')

  const checked = await runLibtorrentScript<Checked>(lt, 'check_torrent.py', [torrentFile, dirname(folder)])
  assert.deepEqual(checked.errors, [])
  assert.equal(checked.is_seeding, true, `libtorrent hash-checks every piece of our torrent against the data (${checked.state})`)
  assert.equal(checked.pieces_have, made.pieceCount)
}

test('libtorrent reads our hybrid torrent of a model folder and makes the very same one', async t => {
  const lt = skipUnlessLibtorrent(t)
  if (lt === undefined) return
  const folder = await makeFolder(t, 'model', MODEL)
  const made = await ours(folder, 'model', MODEL, PIECE)
  await compareWithLibtorrent(lt, folder, made)

  const inspected = await runLibtorrentScript<Inspected>(lt, 'inspect_torrent.py', [`${folder}.silmaril.torrent`])
  const real = inspected.files.filter(file => !file.pad)
  assert.deepEqual(real.map(file => file.path), [
    'config.json', 'empty.txt', 'modèle-é.md', 'one-block.bin', 'one-piece.bin', 'tok/vocab.txt', 'tok.json',
    'weights/deep/er/odd.bin', 'weights/deep/zz-empty', 'weights/shard-00001.safetensors', 'weights/shard-00002.safetensors', 'z-last.bin'
  ].map(path => `model/${path}`), 'file order is per path component (tok/ before tok.json)')
  for (const file of real) if (file.size > 0) assert.equal(file.offset % PIECE, 0, `${file.path} starts on a piece boundary`)
})

test('libtorrent agrees on a folder with the piece length from our rule', async t => {
  const lt = skipUnlessLibtorrent(t)
  if (lt === undefined) return
  const files = { 'a.bin': 3 * 1024 * 1024 + 5, 'b/c.bin': 1024 * 1024, 'd.txt': 10 }
  const folder = await makeFolder(t, 'ruled', files)
  const pieceLength = choosePieceLength(Object.values(files).reduce((sum, size) => sum + size, 0))
  await compareWithLibtorrent(lt, folder, await ours(folder, 'ruled', files, pieceLength))
})

test('libtorrent agrees on a folder of files no larger than one piece (empty piece layers)', async t => {
  const lt = skipUnlessLibtorrent(t)
  if (lt === undefined) return
  const files = { 'x': 7, 'y0': 0, 'z': 5, 'zz': 0 }
  const folder = await makeFolder(t, 'small', files)
  await compareWithLibtorrent(lt, folder, await ours(folder, 'small', files, 16384))
})

test('a single file named like the torrent matches libtorrent\'s single-file torrent', async t => {
  const lt = skipUnlessLibtorrent(t)
  if (lt === undefined) return
  const root = await makeFolder(t, 'single', { 'model.gguf': 4 * PIECE + 3 })
  const file = join(root, 'model.gguf')
  const made = createHybridTorrent({ name: 'model.gguf', pieceLength: PIECE, files: await hashFiles([{ path: 'model.gguf', absolutePath: file, size: 4 * PIECE + 3 }], { pieceLength: PIECE }) })
  await compareWithLibtorrent(lt, file, made)
})

test('libtorrent\'s default hybrid layout differs from ours only by a pad after the last file', async t => {
  const lt = skipUnlessLibtorrent(t)
  if (lt === undefined) return
  const files = { 'a.bin': PIECE + 1, 'b.bin': 100 }
  const folder = await makeFolder(t, 'tail', files)
  const made = await ours(folder, 'tail', files, PIECE)
  const withTail = await runLibtorrentScript<Created>(lt, 'create_torrent.py', [folder, String(PIECE), `${folder}.tail.torrent`, '--tail-padding'])
  assert.notEqual(withTail.v2, made.infoHashV2)
  assert.deepEqual(withTail.files.map(file => `${file.path}:${file.size}:${file.attr}`), [
    `a.bin:${PIECE + 1}:`, `.pad/${PIECE - 1}:${PIECE - 1}:p`, 'b.bin:100:', `.pad/${PIECE - 100}:${PIECE - 100}:p`
  ])
  t.diagnostic('libtorrent 2.0 pads after the last file unless asked for canonical_files_no_tail_padding; we never do (BEP 47 makes the tail pad optional)')
})
