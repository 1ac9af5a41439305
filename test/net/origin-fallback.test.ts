import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { EventEmitter, once } from 'node:events'
import { access, copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { test, type TestContext } from 'node:test'
import type { Torrent } from 'webtorrent'
import { SilmarilError } from '../../src/errors.js'
import { OriginFallback, type OriginFallbackOptions } from '../../src/get/origin-fallback.js'
import { originFileUrl } from '../../src/get/origin-url.js'
import { PadAwareStore } from '../../src/share/pad-store.js'
import { createHybridTorrent, hashFiles } from '../../src/share/torrent/index.js'
import { writeModelFolder } from '../helpers/model-folder.js'
import { startRangeServer, type RangeServerOptions } from '../helpers/range-server.js'
import { teardown, type Teardown } from '../helpers/teardown.js'
import { failOnUnexpectedEvents } from '../helpers/unexpected-events.js'
import { until, withTimeout } from '../helpers/wait.js'
import { listFiles, offlineClient, torrentReady } from '../helpers/webtorrent.js'

const TEST_TIMEOUT_MS = 120_000
const WAIT_MS = 60_000
const PIECE_LENGTH = 16 * 1024
const STALL_MS = 200
const NAME = 'tiny-llama'
const MANIFEST = '.silmaril.json'

interface Model {
  source: string
  torrent: Uint8Array
  /** Real files (posix paths inside the torrent) and their sizes. */
  files: Map<string, number>
}

/**
 * A model folder (safetensors, config.json, tokenizer.json, a file in a subfolder, and with
 * `manifest` a `.silmaril.json`) and its hybrid torrent: every file but the last is padded.
 */
async function makeModel (dir: string, { hiddenSize = 256, manifest = false } = {}): Promise<Model> {
  await writeModelFolder(dir, { hiddenSize })
  await mkdir(join(dir, 'sub dir'))
  await writeFile(join(dir, 'sub dir', 'extra #1.bin'), randomBytes(PIECE_LENGTH + 7))
  const paths = ['config.json', 'model.safetensors', 'sub dir/extra #1.bin', 'tokenizer.json']
  if (manifest) {
    await writeFile(join(dir, MANIFEST), JSON.stringify({ name: `test/${NAME}`, files: paths }))
    paths.unshift(MANIFEST)
  }
  const files = new Map<string, number>()
  for (const path of paths) files.set(path, (await stat(join(dir, path))).size)
  const inputs = paths.map(path => ({ path, absolutePath: join(dir, path), size: files.get(path)! }))
  const hashes = await hashFiles(inputs, { pieceLength: PIECE_LENGTH, workers: 1 })
  return { source: dir, torrent: createHybridTorrent({ name: NAME, pieceLength: PIECE_LENGTH, files: hashes }).torrent, files }
}




interface Download {
  torrent: Torrent
  fallback: OriginFallback
  target: string
  errors: SilmarilError[]
  /** Emits 'origin-error' after each error is pushed to `errors`. */
  events: EventEmitter
  activated: Promise<{ reason: string }>
  originBytes: () => number
}

async function download (stack: Teardown, work: string, model: Model, server: { url: string }, options: Partial<OriginFallbackOptions> = {}): Promise<Download> {
  const target = join(work, 'target')
  const torrent = offlineClient(stack).add(model.torrent, { path: target, store: PadAwareStore, storeOpts: { folder: target } })
  const errors: SilmarilError[] = []
  const events = new EventEmitter()
  let originBytes = 0
  let onActivate: (info: { reason: string }) => void = () => {}
  const activated = new Promise<{ reason: string }>(resolve => { onActivate = resolve })
  const fallback = new OriginFallback(torrent, {
    stallMs: STALL_MS,
    fileUrl: originFileUrl({ url: server.url }),
    onBytes: bytes => { originBytes += bytes },
    onError: err => { errors.push(err); events.emit('origin-error') },
    onActivate,
    ...options
  })
  stack.push(() => { fallback.stop() })
  fallback.start()
  await torrentReady(torrent, WAIT_MS)
  return { torrent, fallback, target, errors, events, activated: withTimeout(activated, WAIT_MS, 'the origin to join'), originBytes: () => originBytes }
}

async function serve (t: TestContext, stack: Teardown, options: RangeServerOptions): Promise<Awaited<ReturnType<typeof startRangeServer>>> {
  const server = await startRangeServer(options)
  stack.push(async () => { await server.close() })
  t.diagnostic(`origin at ${server.url}`)
  return server
}

async function workdir (stack: Teardown): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'silmaril-origin-'))
  stack.push(async () => { await rm(work, { recursive: true, force: true }) })
  return work
}

function fileOf (torrent: Torrent, path: string): Torrent['files'][number] {
  const file = torrent.files.find(candidate => candidate.path === `${NAME}/${path}`)
  assert.ok(file !== undefined, path)
  return file
}

/** Waits for webtorrent to call `paths` done: verified, stored, and counted (after the 'verified' event). */
async function filesDone (torrent: Torrent, paths: readonly string[], what: string): Promise<void> {
  const files = paths.map(path => fileOf(torrent, path))
  await until(files as unknown as EventEmitter[], 'done', () => files.every(file => file.done === true), WAIT_MS, what)
}

/** Every file webtorrent calls done (all pieces verified and stored) is on disk with the source's bytes; returns their paths. */
async function assertDoneFilesMatch (torrent: Torrent, model: Model, target: string): Promise<string[]> {
  const done: string[] = []
  for (const file of torrent.files) {
    const path = file.path.slice(NAME.length + 1)
    if (!model.files.has(path) || file.done !== true) continue
    assert.deepEqual(await readFile(join(target, path)), await readFile(join(model.source, path)), path)
    done.push(path)
  }
  return done
}

test('with no peers the origin serves the whole model after the stall time, pads as zeros', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const stack = teardown(t)
  const work = await workdir(stack)
  const model = await makeModel(join(work, 'source'))
  const server = await serve(t, stack, { root: model.source })
  const { torrent, target, errors, activated, originBytes } = await download(stack, work, model, server)
  failOnUnexpectedEvents(t, { torrent })
  assert.ok(torrent.files.some(file => file.path.includes('.pad')), 'the torrent has pad files')

  const began = performance.now()
  assert.equal((await activated).reason, 'no-peers')
  await until([torrent], 'done', () => torrent.done, WAIT_MS, 'the download from the origin')
  const seconds = (performance.now() - began) / 1000

  const total = [...model.files.values()].reduce((sum, size) => sum + size, 0)
  t.diagnostic(`${(total / 1e6).toFixed(2)} MB from the origin in ${seconds.toFixed(2)} s`)
  assert.deepEqual(await listFiles(target), [...model.files.keys()].sort(), 'only real files, no .pad folder')
  await assert.rejects(access(join(target, '.pad')))
  assert.deepEqual((await assertDoneFilesMatch(torrent, model, target)).sort(), [...model.files.keys()].sort())
  assert.deepEqual(server.requests.filter(path => path.includes('.pad')), [], 'padding is never requested')
  assert.deepEqual(new Set(server.requests), new Set([...model.files.keys()].map(path => `/${path}`)))
  assert.equal(originBytes(), total, 'every byte came from the origin exactly once')
  assert.equal(server.bytesSent(), total)
  assert.deepEqual(errors, [])
})

test('Hugging Face style: redirects are followed with the Range kept, and the manifest the origin lacks is supplied locally', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const stack = teardown(t)
  const work = await workdir(stack)
  const model = await makeModel(join(work, 'source'), { hiddenSize: 64, manifest: true })
  const server = await serve(t, stack, { root: model.source, redirectFrom: 'resolve', missing: [MANIFEST] })
  const knownFiles = new Map([[MANIFEST, await readFile(join(model.source, MANIFEST))]])
  const { torrent, target, errors, activated } = await download(stack, work, model, { url: `${server.url}/resolve` }, { knownFiles })
  failOnUnexpectedEvents(t, { torrent })
  await activated
  await until([torrent], 'done', () => torrent.done, WAIT_MS, 'the download through redirects')
  assert.equal((await assertDoneFilesMatch(torrent, model, target)).length, model.files.size)
  assert.ok(server.requests.some(path => path.startsWith('/resolve/')) && server.requests.some(path => !path.startsWith('/resolve/')))
  assert.ok(!server.requests.some(path => path.endsWith(MANIFEST)), 'the manifest is never asked of the origin')
  assert.deepEqual(errors, [])
})

test('a file the origin lacks is left to peers, the rest still comes from the origin', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const stack = teardown(t)
  const work = await workdir(stack)
  const model = await makeModel(join(work, 'source'), { hiddenSize: 64, manifest: true })
  const server = await serve(t, stack, { root: model.source, missing: [MANIFEST] })
  const { torrent, fallback, target, errors, events, activated } = await download(stack, work, model, server)
  failOnUnexpectedEvents(t, { torrent })
  await activated
  const others = [...model.files.keys()].filter(path => path !== MANIFEST)
  await filesDone(torrent, others, 'every file but the manifest')
  await until([events], 'origin-error', () => errors.length > 0, WAIT_MS, 'the missing manifest to be reported')

  assert.equal(torrent.done, false)
  assert.deepEqual((await assertDoneFilesMatch(torrent, model, target)).sort(), others.sort())
  assert.deepEqual(await listFiles(target), others.sort())
  assert.equal(server.requests.filter(path => path === `/${MANIFEST}`).length, 1, 'asked once, then left to peers')
  assert.deepEqual(errors.map(err => [err.code, err.details?.['path'], err.details?.['permanent']]), [['network', MANIFEST, true]])
  assert.match(errors[0]!.message, /cannot serve "\.silmaril\.json": HTTP 404; only peers can provide it/)
  assert.deepEqual([...fallback.conn!.missingFiles], [MANIFEST])
})

test('corrupt bytes from the origin fail verification and are never written', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const stack = teardown(t)
  const work = await workdir(stack)
  const model = await makeModel(join(work, 'source'), { hiddenSize: 64 })
  const server = await serve(t, stack, { root: model.source, mode: 'corrupt' })
  const { torrent, fallback, target, errors, events, activated } = await download(stack, work, model, server, { maxPieceServes: 2 })
  const warnings: string[] = []
  torrent.on('warning', (err: Error) => { warnings.push(err.message) })
  await activated

  const refused = (): number => errors.filter(err => err.code === 'verification_failed').length
  const pieces = torrent.pieces.length
  await until([events], 'origin-error', () => refused() === pieces, WAIT_MS, 'every piece to be refused after failing verification')
  assert.equal(torrent.done, false)
  assert.equal(torrent.downloaded, 0)
  assert.ok(warnings.length >= 2 * pieces, `each piece failed twice (${warnings.length} warnings for ${pieces} pieces)`)
  assert.ok(warnings.every(message => /^Piece \d+ failed verification$/.test(message)), warnings.join('; '))
  assert.deepEqual(await listFiles(target), [], 'nothing was written')
  assert.equal(fallback.active, true)
  assert.ok(errors.every(err => err.code === 'verification_failed' && err.details?.['permanent'] === true))
})

test('an origin that ignores Range is dropped with a clear error, and writes no wrong data', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const stack = teardown(t)
  const work = await workdir(stack)
  const model = await makeModel(join(work, 'source'), { hiddenSize: 64 })
  const server = await serve(t, stack, { root: model.source, mode: 'ignore-range' })
  const { torrent, fallback, target, errors, activated } = await download(stack, work, model, server)
  failOnUnexpectedEvents(t, { torrent })
  await activated
  const conn = fallback.conn!
  await withTimeout(once(conn, 'close'), WAIT_MS, 'the origin connection to close')

  assert.equal(torrent.done, false)
  const ignored = errors.filter(err => err.message.includes('ignores Range requests'))
  assert.ok(ignored.length >= 1, errors.map(err => err.message).join('; '))
  assert.ok(ignored.every(err => err.code === 'network' && err.details?.['permanent'] === true && String(err.details['url']).startsWith(server.url)))
  assert.ok(!torrent.wires.some(wire => wire.type === 'webSeed'), 'the origin left the swarm')
  const onDisk = await listFiles(target)
  assert.ok(!onDisk.includes('model.safetensors'), 'a file larger than a piece cannot come from such an origin')
  await filesDone(torrent, onDisk, 'whatever is on disk to be a verified whole file')
  assert.deepEqual((await assertDoneFilesMatch(torrent, model, target)).sort(), onDisk)
})

test('a seeder with part of the model and an origin lacking another part complete the download together', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const stack = teardown(t)
  const work = await workdir(stack)
  const model = await makeModel(join(work, 'source'))
  const partial = join(work, 'partial')
  for (const path of model.files.keys()) {
    if (path === 'model.safetensors') continue
    await mkdir(dirname(join(partial, path)), { recursive: true })
    await copyFile(join(model.source, path), join(partial, path))
  }
  const server = await serve(t, stack, { root: model.source, missing: ['config.json'] })

  const seederClient = offlineClient(stack)
  const seeding = seederClient.add(model.torrent, { path: partial, store: PadAwareStore, storeOpts: { folder: partial }, skipVerify: false, deselect: true })
  await torrentReady(seeding, WAIT_MS)
  assert.equal(seeding.done, false, 'the seeder lacks the weights')

  const { torrent, target, errors, activated, originBytes } = await download(stack, work, model, server)
  failOnUnexpectedEvents(t, { seeding, torrent })
  torrent.addPeer(`127.0.0.1:${seederClient.torrentPort}`)
  await activated
  await until([torrent], 'done', () => torrent.done, WAIT_MS, 'the download from the seeder and the origin')

  assert.deepEqual((await assertDoneFilesMatch(torrent, model, target)).sort(), [...model.files.keys()].sort())
  assert.deepEqual(await listFiles(target), [...model.files.keys()].sort())
  const fromPeers = torrent.wires.filter(wire => wire.type !== 'webSeed').reduce((sum, wire) => sum + wire.downloaded, 0)
  assert.ok(fromPeers >= model.files.get('config.json')!, `the seeder served config.json (${fromPeers} bytes from peers)`)
  assert.ok(originBytes() >= model.files.get('model.safetensors')!, `the origin served the weights (${originBytes()} bytes)`)
  assert.ok(errors.every(err => err.details?.['path'] === 'config.json' && err.details['permanent'] === true), errors.map(err => err.message).join('; '))
})
