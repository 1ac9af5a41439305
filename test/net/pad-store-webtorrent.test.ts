import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import bencode from 'bencode'
import WebTorrent, { type ChunkStore, type ChunkStoreOptions } from 'webtorrent'
import { PadAwareStore } from '../../src/share/pad-store.js'
import { teardown } from '../helpers/teardown.js'
import { failOnUnexpectedEvents } from '../helpers/unexpected-events.js'
import { until } from '../helpers/wait.js'
import { listFiles, OFFLINE_CLIENT_OPTIONS, torrentReady } from '../helpers/webtorrent.js'

const TEST_TIMEOUT_MS = 90_000
const WAIT_MS = 60_000
const PIECE_LENGTH = 16 * 1024
const NAME = 'model'
/** Sizes that end off piece boundaries, a file shorter than its pad, and a short last piece. */
const FILES: Array<[string, number]> = [['a.bin', 40_000], ['c.txt', 5], ['sub/b.bin', 70_001], ['z.json', 1_234]]
/** Fails to compile if the store stops fitting what webtorrent hands a `store`. */
const STORE: new (chunkLength: number, opts: ChunkStoreOptions) => ChunkStore = PadAwareStore

/** Writes the model folder (no pads) and returns a v1 torrent of it with BEP 47 pads after all files but the last. */
async function makeModel (parent: string): Promise<Uint8Array> {
  const files: Array<Record<string, unknown>> = []
  const stream: Buffer[] = []
  for (const [index, [path, length]] of FILES.entries()) {
    const data = randomBytes(length)
    await mkdir(dirname(join(parent, NAME, path)), { recursive: true })
    await writeFile(join(parent, NAME, path), data)
    files.push({ length, path: path.split('/') })
    stream.push(data)
    const pad = (PIECE_LENGTH - length % PIECE_LENGTH) % PIECE_LENGTH
    if (pad > 0 && index < FILES.length - 1) {
      files.push({ attr: 'p', length: pad, path: ['.pad', String(pad)] })
      stream.push(Buffer.alloc(pad))
    }
  }
  const all = Buffer.concat(stream)
  const pieces: Buffer[] = []
  for (let offset = 0; offset < all.length; offset += PIECE_LENGTH) {
    pieces.push(createHash('sha1').update(all.subarray(offset, offset + PIECE_LENGTH)).digest())
  }
  assert.notEqual(all.length % PIECE_LENGTH, 0, 'the fixture should end on a short piece')
  return bencode.encode({ info: { files, name: NAME, 'piece length': PIECE_LENGTH, pieces: Buffer.concat(pieces) } })
}



test('webtorrent seeds a padded torrent from a folder without pads to another webtorrent', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const stack = teardown(t)
  const work = await mkdtemp(join(tmpdir(), 'silmaril-pad-net-'))
  stack.push(async () => { await rm(work, { recursive: true, force: true }) })
  const source = join(work, 'source')
  const target = join(work, 'target')
  const torrentFile = await makeModel(source)

  const seeder = new WebTorrent(OFFLINE_CLIENT_OPTIONS)
  const leecher = new WebTorrent(OFFLINE_CLIENT_OPTIONS)
  for (const client of [seeder, leecher]) stack.push(async () => { await new Promise<void>(resolve => { client.destroy(() => { resolve() }) }) })
  const seeding = seeder.add(torrentFile, { path: source, store: STORE })
  const getting = leecher.add(torrentFile, { path: target, store: STORE })
  failOnUnexpectedEvents(t, { seeder, leecher, seeding, getting })

  await torrentReady(seeding, WAIT_MS)
  await until([seeding], 'done', () => seeding.done, WAIT_MS, 'the seeder to verify its folder')
  assert.ok(seeding.files.some(file => file.path === `${NAME}/.pad/${PIECE_LENGTH - 40_000 % PIECE_LENGTH}`), 'webtorrent lists pads as files')

  await torrentReady(getting, WAIT_MS)
  assert.equal(getting.progress, 0, 'the leecher starts empty')
  getting.addPeer(`127.0.0.1:${seeder.torrentPort}`)
  await until([getting], 'done', () => getting.done, WAIT_MS, 'the download to finish')

  const expected = FILES.map(([path]) => join(NAME, path)).sort()
  assert.deepEqual(await listFiles(target), expected, 'only real files are on disk')
  assert.deepEqual(await listFiles(source), expected, 'seeding wrote nothing')
  for (const path of expected) assert.deepEqual(await readFile(join(target, path)), await readFile(join(source, path)), path)
  await assert.rejects(access(join(target, NAME, '.pad')))
})
