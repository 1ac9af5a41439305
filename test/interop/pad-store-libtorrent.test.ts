import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { PadAwareStore } from '../../src/share/pad-store.js'
import { createHybridTorrent, libtorrentFetch, libtorrentMissing, startLibtorrentSeed } from '../helpers/libtorrent-seed.js'
import { teardown, type Teardown } from '../helpers/teardown.js'
import { failOnUnexpectedEvents } from '../helpers/unexpected-events.js'
import { until } from '../helpers/wait.js'
import { listFiles, offlineClient, torrentReady } from '../helpers/webtorrent.js'

const TEST_TIMEOUT_MS = 120_000
const WAIT_MS = 60_000
const PIECE_LENGTH = 32 * 1024
const NAME = 'model'
/** None ends on a piece boundary, so libtorrent pads after every file. */
const FILES: Array<[string, number]> = [['a.bin', 100_000], ['c.txt', 5], ['sub/b.bin', 300_001], ['z.json', 1_234]]
const missing = libtorrentMissing()

interface Fixture {
  stack: Teardown
  source: string
  target: string
  torrentPath: string
  torrentFile: Uint8Array
  infoHash: string
}

async function fixture (t: TestContext): Promise<Fixture> {
  const stack = teardown(t)
  const work = await mkdtemp(join(tmpdir(), 'silmaril-pad-interop-'))
  stack.push(async () => { await rm(work, { recursive: true, force: true }) })
  const source = join(work, 'source')
  for (const [path, length] of FILES) {
    await mkdir(dirname(join(source, NAME, path)), { recursive: true })
    await writeFile(join(source, NAME, path), randomBytes(length))
  }
  const torrentPath = join(work, `${NAME}.torrent`)
  const created = await createHybridTorrent(join(source, NAME), torrentPath, PIECE_LENGTH)
  assert.ok(created.pads >= FILES.length - 1, `libtorrent made ${created.pads} pads`)
  assert.match(created.v2, /^[0-9a-f]{64}$/, 'the torrent is a v1+v2 hybrid')
  return { stack, source, target: join(work, 'target'), torrentPath, torrentFile: await readFile(torrentPath), infoHash: created.v1 }
}



function payload (): number {
  return FILES.reduce((sum, [, length]) => sum + length, 0)
}


async function assertSameModel (source: string, target: string): Promise<void> {
  const expected = FILES.map(([path]) => join(NAME, path)).sort()
  assert.deepEqual(await listFiles(target), expected, 'only the real files are on disk')
  assert.deepEqual(await listFiles(source), expected, 'the source folder is untouched')
  for (const path of expected) assert.deepEqual(await readFile(join(target, path)), await readFile(join(source, path)), path)
  await assert.rejects(access(join(target, NAME, '.pad')), 'no .pad folder')
}

test('libtorrent seeds a hybrid torrent; webtorrent downloads it through PadAwareStore', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  if (missing !== undefined) return t.skip(`python3-libtorrent not installed: ${missing}`)
  const { stack, source, target, torrentPath, torrentFile, infoHash } = await fixture(t)
  const seed = await startLibtorrentSeed(torrentPath, source)
  stack.push(seed.stop)

  const wt = offlineClient(stack)
  const torrent = wt.add(torrentFile, { path: target, store: PadAwareStore })
  failOnUnexpectedEvents(t, { client: wt, torrent })
  await torrentReady(torrent, WAIT_MS)
  assert.equal(torrent.infoHash, infoHash, 'webtorrent and libtorrent agree on the v1 infohash')
  assert.equal(torrent.progress, 0, 'the download starts empty')
  torrent.addPeer(`127.0.0.1:${seed.port}`)
  await until([torrent], 'done', () => torrent.done, WAIT_MS, 'webtorrent to download from libtorrent')
  assert.ok(torrent.received >= payload(), `webtorrent received ${torrent.received} bytes`)
  await assertSameModel(source, target)
})

test('webtorrent seeds a hybrid torrent from a folder without pads; libtorrent downloads it', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  if (missing !== undefined) return t.skip(`python3-libtorrent not installed: ${missing}`)
  const { stack, source, target, torrentPath, torrentFile } = await fixture(t)

  const wt = offlineClient(stack)
  const torrent = wt.add(torrentFile, { path: source, store: PadAwareStore })
  failOnUnexpectedEvents(t, { client: wt, torrent })
  await torrentReady(torrent, WAIT_MS)
  await until([torrent], 'done', () => torrent.done, WAIT_MS, 'webtorrent to verify the folder it seeds')
  const downloaded = await libtorrentFetch(torrentPath, target, `127.0.0.1:${wt.torrentPort}`, WAIT_MS)
  assert.ok(downloaded >= payload(), `libtorrent downloaded ${downloaded} bytes`)
  await assertSameModel(source, target)
})
