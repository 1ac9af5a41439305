import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { SilmarilError } from '../../src/errors.js'
import { hashFiles, type HashFileInput } from '../../src/share/torrent/hash-files.js'
import { fileMerkle } from '../../src/share/torrent/merkle.js'
import { choosePieceLength, MAX_PIECE_LENGTH_BYTES, MIN_PIECE_LENGTH_BYTES, TARGET_PIECE_COUNT, validatePieceLength } from '../../src/share/torrent/piece-length.js'
import { seededBytes } from '../helpers/seeded-bytes.js'

const PIECE = 65536


async function folder (t: TestContext, files: Record<string, Buffer>): Promise<{ dir: string, inputs: HashFileInput[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'silmaril-hash-'))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  const inputs: HashFileInput[] = []
  for (const [name, data] of Object.entries(files)) {
    const absolutePath = join(dir, name.replaceAll('/', '__'))
    await writeFile(absolutePath, data)
    inputs.push({ path: name, absolutePath, size: data.length })
  }
  return { dir, inputs }
}

/** What each file's hashes must be, computed in memory without workers. */
function expected (data: Buffer, padTail: boolean): { sha256: string, piecesRoot: string | null, pieceLayer: string, v1Pieces: string } {
  const { piecesRoot, pieceLayer } = fileMerkle(data, PIECE)
  const v1: Buffer[] = []
  for (let offset = 0; offset < data.length; offset += PIECE) {
    const piece = data.subarray(offset, offset + PIECE)
    const padded = padTail && piece.length < PIECE ? Buffer.concat([piece, Buffer.alloc(PIECE - piece.length)]) : piece
    v1.push(createHash('sha1').update(padded).digest())
  }
  return {
    sha256: createHash('sha256').update(data).digest('hex'),
    piecesRoot: piecesRoot === null ? null : Buffer.from(piecesRoot).toString('hex'),
    pieceLayer: Buffer.from(pieceLayer).toString('hex'),
    v1Pieces: Buffer.concat(v1).toString('hex')
  }
}

const FILES = {
  'weights/model-00002.bin': seededBytes(3 * 1024 * 1024 + 17),
  'weights/model-00001.bin': seededBytes(PIECE),
  'config.json': seededBytes(321),
  'empty.txt': Buffer.alloc(0),
  'tokenizer/vocab.txt': seededBytes(PIECE * 5 + 1),
  'z-last.bin': seededBytes(1000)
}

test('hashFiles returns the torrent order and the same hashes as an in-memory reference', async t => {
  const { inputs } = await folder(t, FILES)
  const results = await hashFiles(inputs, { pieceLength: PIECE, workers: 2 })
  assert.deepEqual(results.map(r => r.path), ['config.json', 'empty.txt', 'tokenizer/vocab.txt', 'weights/model-00001.bin', 'weights/model-00002.bin', 'z-last.bin'])
  for (const result of results) {
    const data = FILES[result.path as keyof typeof FILES]
    const last = result.path === 'z-last.bin'
    assert.equal(result.size, data.length)
    assert.equal(result.v1TailPadded, !last)
    assert.deepEqual({
      sha256: result.sha256,
      piecesRoot: result.piecesRoot === null ? null : Buffer.from(result.piecesRoot).toString('hex'),
      pieceLayer: Buffer.from(result.pieceLayer).toString('hex'),
      v1Pieces: Buffer.from(result.v1Pieces).toString('hex')
    }, expected(data, !last), result.path)
  }
})

test('the number of workers does not change the hashes', async t => {
  const { inputs } = await folder(t, FILES)
  const one = await hashFiles(inputs, { pieceLength: PIECE, workers: 1 })
  const three = await hashFiles(inputs, { pieceLength: PIECE, workers: 3 })
  assert.deepEqual(three, one)
})

test('a big piece length and files larger than one read chunk', async t => {
  const data = seededBytes(20 * 1024 * 1024 + 5)
  const { inputs } = await folder(t, { 'big.bin': data })
  const [result] = await hashFiles(inputs, { pieceLength: 16 * 1024 * 1024 })
  const { piecesRoot, pieceLayer } = fileMerkle(data, 16 * 1024 * 1024)
  assert.equal(result!.sha256, createHash('sha256').update(data).digest('hex'))
  assert.deepEqual(result!.piecesRoot, piecesRoot)
  assert.deepEqual(result!.pieceLayer, pieceLayer)
  assert.equal(result!.v1Pieces.length, 2 * 20)
})

test('progress reaches the total', async t => {
  const { inputs } = await folder(t, FILES)
  const total = Object.values(FILES).reduce((sum, data) => sum + data.length, 0)
  const seen: number[] = []
  await hashFiles(inputs, { pieceLength: PIECE, onProgress: (done, all) => { assert.equal(all, total); seen.push(done) } })
  assert.equal(seen.at(-1), total)
  assert.deepEqual(seen, [...seen].sort((a, b) => a - b))
})

test('an aborted signal rejects with interrupted', async t => {
  const { inputs } = await folder(t, FILES)
  const controller = new AbortController()
  const hashing = hashFiles(inputs, { pieceLength: PIECE, signal: controller.signal, onProgress: () => { controller.abort() } })
  await assert.rejects(hashing, (err: SilmarilError) => err.code === 'interrupted')
  await assert.rejects(hashFiles(inputs, { pieceLength: PIECE, signal: AbortSignal.abort() }), (err: SilmarilError) => err.code === 'interrupted')
})

test('a file that changed size since it was scanned is an io error naming it', async t => {
  const { inputs } = await folder(t, FILES)
  const vocab = inputs.find(input => input.path === 'tokenizer/vocab.txt')!
  await truncate(vocab.absolutePath, 10)
  await assert.rejects(hashFiles(inputs, { pieceLength: PIECE }), (err: SilmarilError) => {
    assert.equal(err.code, 'io')
    assert.match(err.message, /tokenizer\/vocab\.txt.*10 bytes, not the 327681/)
    return true
  })
})

test('a missing file is an io error naming it', async t => {
  const { inputs } = await folder(t, { 'a.bin': seededBytes(10) })
  await assert.rejects(hashFiles([...inputs, { path: 'gone.bin', absolutePath: '/nonexistent/gone.bin', size: 5 }], { pieceLength: PIECE }),
    (err: SilmarilError) => err.code === 'io' && /gone\.bin.*ENOENT/.test(err.message))
})

test('bad paths and piece lengths are refused before any reading', async () => {
  await assert.rejects(hashFiles([{ path: '../x', absolutePath: '/x', size: 1 }], { pieceLength: PIECE }), (err: SilmarilError) => err.code === 'usage')
  await assert.rejects(hashFiles([], { pieceLength: 3 }), (err: SilmarilError) => err.code === 'usage' && /power of two/.test(err.message))
})

test('piece length rule: smallest power of two ≥ total / 1500, within [16 KiB, 16 MiB]', () => {
  assert.equal(TARGET_PIECE_COUNT, 1500)
  assert.equal(choosePieceLength(0), MIN_PIECE_LENGTH_BYTES)
  assert.equal(choosePieceLength(1500 * 16384), 16384)
  assert.equal(choosePieceLength(1500 * 16384 + 1), 32768)
  assert.equal(choosePieceLength(2 ** 30), 1024 * 1024)
  assert.equal(choosePieceLength(7 * 2 ** 30), 8 * 1024 * 1024)
  assert.equal(choosePieceLength(2 ** 45), MAX_PIECE_LENGTH_BYTES)
  assert.equal(validatePieceLength(32768), 32768)
  for (const bad of [0, 8192, 3 * 16384, 32 * 1024 * 1024, 1.5, Number.NaN]) assert.throws(() => validatePieceLength(bad), (err: SilmarilError) => err.code === 'usage')
})
