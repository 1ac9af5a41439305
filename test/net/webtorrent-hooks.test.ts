import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import WebTorrent, { type Torrent } from 'webtorrent'
import { PadAwareStore, type StoreCallback } from '../../src/share/pad-store.js'
import { teardown } from '../helpers/teardown.js'
import { failOnUnexpectedEvents } from '../helpers/unexpected-events.js'
import { until } from '../helpers/wait.js'
import { OFFLINE_CLIENT_OPTIONS, torrentReady } from '../helpers/webtorrent.js'

const TEST_TIMEOUT_MS = 60_000
const WAIT_MS = 30_000
const PIECE_LENGTH = 16 * 1024
const PIECES = 96
/** How long the slow disk takes to write a piece. */
const WRITE_MS = 3

type HookedTorrent = Torrent & {
  holdRequests?: () => boolean
  verifyPiece?: (index: number, buf: Uint8Array, expected: string) => Promise<{ hex: string | null, buf: Uint8Array }>
}

interface Swarm { getting: HookedTorrent, data: Buffer, work: string, seeder: WebTorrent }

/** A seeding webtorrent and a leecher of its file, not yet connected; `store` is the leecher's. */
async function swarm (t: TestContext, store: typeof PadAwareStore = PadAwareStore): Promise<Swarm> {
  const stack = teardown(t)
  const work = await mkdtemp(join(tmpdir(), 'silmaril-hooks-'))
  stack.push(async () => { await rm(work, { recursive: true, force: true }) })
  const data = randomBytes(PIECES * PIECE_LENGTH - 100)
  await mkdir(join(work, 'source'))
  await writeFile(join(work, 'source', 'weights.bin'), data)
  const seeder = new WebTorrent(OFFLINE_CLIENT_OPTIONS)
  const leecher = new WebTorrent(OFFLINE_CLIENT_OPTIONS)
  for (const client of [seeder, leecher]) stack.push(async () => { await new Promise<void>(resolve => { client.destroy(() => { resolve() }) }) })
  const seeding = await new Promise<Torrent>(resolve => {
    seeder.seed(join(work, 'source', 'weights.bin'), { pieceLength: PIECE_LENGTH, announce: [] }, resolve)
  })
  assert.ok(seeding.torrentFile !== undefined)
  const getting: HookedTorrent = leecher.add(seeding.torrentFile, { path: join(work, 'target'), store, announce: [] })
  failOnUnexpectedEvents(t, { seeder, leecher, seeding, getting })
  return { getting, data, work, seeder }
}

/**
 * webtorrent as patched asks for nothing while its owner holds requests (SwarmDownload does while
 * its backlog of unchecked or unwritten pieces is full), and each stored piece asks again.
 */
test('held requests: nothing is asked while held; with a disk slower than the network and a one-piece backlog the download still completes', { timeout: TEST_TIMEOUT_MS }, async t => {
  let writing = 0
  class SlowDisk extends PadAwareStore {
    override put (index: number, buf: Uint8Array, cb: StoreCallback): void {
      writing++
      setTimeout(() => { super.put(index, buf, err => { writing--; cb(err) }) }, WRITE_MS)
    }
  }
  const { getting, data, work, seeder } = await swarm(t, SlowDisk)
  let held = true
  let heldWhileWriting = 0
  getting.holdRequests = () => {
    if (held) return true
    if (writing > 0) heldWhileWriting++
    return writing > 0
  }

  await torrentReady(getting, WAIT_MS)
  getting.addPeer(`127.0.0.1:${seeder.torrentPort}`)
  await until([getting], 'wire', () => getting.wires.length > 0, WAIT_MS, 'the leecher to connect')
  const wire = getting.wires[0]!
  await until([wire], 'unchoke', () => !wire.peerChoking, WAIT_MS, 'the seeder to unchoke the leecher')
  await new Promise(resolve => setTimeout(resolve, 300))
  assert.equal(wire.requests.length, 0, 'no request left while held')
  assert.equal(getting.downloaded, 0)

  // Released, the selection change runs an update; from then on, with one block per piece, only a
  // stored piece runs the next one: were it not to, the download would stall at the first hold.
  held = false
  getting.select(0, getting.pieces.length - 1, 0)
  await until([getting], 'done', () => getting.done, WAIT_MS, 'the download to finish')
  assert.ok(heldWhileWriting > 0, 'the hold engaged while pieces were being written')
  assert.deepEqual(await readFile(join(work, 'target', 'weights.bin')), data)
})

/**
 * SwarmDownload's checks run on a worker; when the worker goes away with some (a pause, a crash),
 * they come back unchecked (hex null): webtorrent as patched fetches those pieces again and, unlike
 * a piece that fails its check, reports nothing, so no peer is banned for it.
 */
test('a piece that comes back unchecked is fetched again, and no one is told it failed', { timeout: TEST_TIMEOUT_MS }, async t => {
  const { getting, data, work, seeder } = await swarm(t)
  const unchecked = new Set<number>()
  getting.verifyPiece = async (index, buf) => {
    if (unchecked.size < PIECES / 2 && !unchecked.has(index)) {
      unchecked.add(index)
      return { hex: null, buf: new Uint8Array(0) }
    }
    return { hex: createHash('sha1').update(buf).digest('hex'), buf }
  }
  await torrentReady(getting, WAIT_MS)
  getting.addPeer(`127.0.0.1:${seeder.torrentPort}`)
  // failOnUnexpectedEvents fails the test on any 'warning', such as "Piece 3 failed verification".
  await until([getting], 'done', () => getting.done, WAIT_MS, 'the download to finish')
  assert.equal(unchecked.size, PIECES / 2)
  assert.deepEqual(await readFile(join(work, 'target', 'weights.bin')), data)
})
