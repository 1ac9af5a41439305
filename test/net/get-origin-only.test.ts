import assert from 'node:assert/strict'
import { cp, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import type { LocalModel, ShareResult } from '../../src/api/types.js'
import type { ProgressSnapshot } from '../../src/get/download-store.js'
import { downloadFromOrigin } from '../../src/get/origin-download.js'
import { createDaemonNet, eventually } from '../helpers/daemon-net.js'
import { writeModelFolder } from '../helpers/model-folder.js'
import { startRangeServer } from '../helpers/range-server.js'

const WAIT_MS = 60_000
const FILES = ['model.safetensors', 'config.json', 'tokenizer.json', '.silmaril.json']

test('with no peer online, B installs a model from its origin alone (the entry names it), then seeds it to C', async t => {
  const net = await createDaemonNet(t, 3, ['a', 'b', 'c'], { SILMARIL_TORRENT_ORIGIN_FALLBACK_S: '1' })
  const [a, b, c] = net.daemons as [typeof net.daemons[0], typeof net.daemons[0], typeof net.daemons[0]]
  const folder = await writeModelFolder(join(net.root, 'lonely'), { seed: 31, hiddenSize: 512 })
  const origin = await startRangeServer({ root: folder })
  t.after(async () => { await origin.close() })
  const shared = await net.json<ShareResult>(a, ['share', folder, '--name', 'acme/lonely', '--license', 'mit', '--source-url', `${origin.url}/`])
  await eventually('B discovering the model', WAIT_MS, async () => (await net.json<unknown[]>(b, ['discover', '--refresh'])).length === 1 ? true : undefined)
  await a.run(['daemon', 'stop'])

  const model = await net.json<LocalModel>(b, ['get', 'acme/lonely'])
  assert.equal(model.path, join(b.home, 'models', 'acme', 'lonely'))
  assert.equal(model.infohash, shared.infohash)
  assert.equal(model.seeding, true)
  for (const file of FILES) assert.deepEqual(await readFile(join(model.path, file)), await readFile(join(folder, file)), file)
  assert.ok(origin.requests.includes('/.silmaril.json'), 'the manifest came from the origin')
  assert.deepEqual(await readdir(join(b.home, 'staging')), [])

  // C may not use the origin: whatever it gets comes from B.
  await origin.close()
  await c.run(['daemon', 'stop'])
  c.env['SILMARIL_TORRENT_ORIGIN_FALLBACK_S'] = '0'
  c.cli(['daemon', 'start'])
  const copy = await net.json<LocalModel>(c, ['get', shared.magnet])
  for (const file of FILES) assert.deepEqual(await readFile(join(copy.path, file)), await readFile(join(folder, file)), file)
})

test('an origin serving a changed file fails the get, naming the file; nothing is installed or left staged', async t => {
  const net = await createDaemonNet(t, 2, ['a', 'b'], { SILMARIL_TORRENT_ORIGIN_FALLBACK_S: '1' })
  const [a, b] = net.daemons as [typeof net.daemons[0], typeof net.daemons[0]]
  const folder = await writeModelFolder(join(net.root, 'tampered'), { seed: 32, hiddenSize: 256 })
  const served = join(net.root, 'served')
  const origin = await startRangeServer({ root: served })
  t.after(async () => { await origin.close() })
  await net.json<ShareResult>(a, ['share', folder, '--name', 'acme/tampered', '--license', 'mit', '--source-url', `${origin.url}/`])
  await cp(folder, served, { recursive: true })
  const weights = await readFile(join(served, 'model.safetensors'))
  weights[weights.length - 100] = weights[weights.length - 100]! ^ 0x01
  await writeFile(join(served, 'model.safetensors'), weights)
  await eventually('B discovering the model', WAIT_MS, async () => (await net.json<unknown[]>(b, ['discover', '--refresh'])).length === 1 ? true : undefined)
  await a.run(['daemon', 'stop'])

  const refused = await b.run(['get', 'acme/tampered']).then(() => '', (err: Error) => err.message)
  assert.match(refused, /model\.safetensors from the origin \(http:\/\/127\.0\.0\.1:\d+\/model\.safetensors\) has sha256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}/)
  assert.deepEqual(await readdir(join(b.home, 'models')), [])
  assert.deepEqual(await readdir(join(b.home, 'staging')), [])
})

test('an origin download continues from the bytes already staged and checks the rebuilt infohashes', async t => {
  const net = await createDaemonNet(t, 1, ['a'])
  const [a] = net.daemons as [typeof net.daemons[0]]
  const folder = await writeModelFolder(join(net.root, 'resumed'), { seed: 33, hiddenSize: 512 })
  const origin = await startRangeServer({ root: folder })
  t.after(async () => { await origin.close() })
  const shared = await net.json<ShareResult>(a, ['share', folder, '--name', 'acme/resumed', '--license', 'mit', '--source-url', `${origin.url}/`])
  const entry = { publisher: shared.publisher, name: shared.name, revision: shared.revision, size: shared.size, files: shared.files, infohash: shared.infohash, infohash_v2: shared.infohash_v2 }

  const staging = join(net.root, 'staging')
  const weights = (await stat(join(folder, 'model.safetensors'))).size
  await cp(folder, staging, { recursive: true })
  await truncate(join(staging, 'model.safetensors'), Math.floor(weights / 2))
  const reports: ProgressSnapshot[] = []
  let verifyingAfter = -1
  const fetched = await downloadFromOrigin({
    source: { url: `${origin.url}/` },
    staging,
    entry,
    requireSignature: true,
    signal: new AbortController().signal,
    chunkBytes: 64 * 1024,
    onProgress: p => reports.push(p),
    onVerifying: () => { verifyingAfter = reports.length }
  })
  assert.equal(fetched.torrent.infoHashV1, shared.infohash)
  assert.equal(fetched.torrent.infoHashV2, shared.infohash_v2)
  for (const file of FILES) assert.deepEqual(await readFile(join(staging, file)), await readFile(join(folder, file)), file)
  const small = (await Promise.all(FILES.slice(1).map(async f => (await stat(join(folder, f))).size))).reduce((x, y) => x + y, 0)
  assert.ok(origin.bytesSent() <= weights - Math.floor(weights / 2) + small, `fetched ${origin.bytesSent()} bytes: only the missing half of the weights and the small files`)
  // Progress counts what is staged, the half kept from before included, and reaches the entry's size.
  assert.ok(reports.length > 2)
  assert.ok(reports.every(r => r.total === shared.size), 'the total is the whole model')
  assert.ok(reports.every((r, i) => i === 0 || r.done >= reports[i - 1]!.done), 'never backwards')
  assert.ok(reports.some(r => r.files.find(f => f.path === 'model.safetensors')?.done_bytes === Math.floor(weights / 2)), 'the staged half counts before a byte is fetched')
  assert.equal(reports.at(-1)?.done, shared.size)
  assert.equal(verifyingAfter, reports.length, 'the checks begin once every byte is staged')

  const wrong = { ...entry, infohash: '0'.repeat(40) }
  await assert.rejects(downloadFromOrigin({ source: { url: `${origin.url}/` }, staging, entry: wrong, requireSignature: true, signal: new AbortController().signal }),
    /the torrent rebuilt from them \(piece length \d+\) has infohashes [0-9a-f]{40} \/ [0-9a-f]{64}, not the catalog entry's 0{40}/)
  const stranger = { ...entry, publisher: 'f'.repeat(64) }
  await assert.rejects(downloadFromOrigin({ source: { url: `${origin.url}/` }, staging, entry: stranger, requireSignature: true, signal: new AbortController().signal }),
    /\/\.silmaril\.json: the manifest is signed by [0-9a-f]{16}…, not by the catalog entry's publisher ffffffffffffffff…/)
})

test('an origin without .silmaril.json fails the get with the URL; nothing is installed or left staged', async t => {
  const net = await createDaemonNet(t, 2, ['a', 'b'], { SILMARIL_TORRENT_ORIGIN_FALLBACK_S: '1' })
  const [a, b] = net.daemons as [typeof net.daemons[0], typeof net.daemons[0]]
  const folder = await writeModelFolder(join(net.root, 'bare'), { seed: 34, hiddenSize: 256 })
  const origin = await startRangeServer({ root: folder, missing: ['.silmaril.json'] })
  t.after(async () => { await origin.close() })
  await net.json<ShareResult>(a, ['share', folder, '--name', 'acme/bare', '--license', 'mit', '--source-url', `${origin.url}/`])
  await eventually('B discovering the model', WAIT_MS, async () => (await net.json<unknown[]>(b, ['discover', '--refresh'])).length === 1 ? true : undefined)
  await a.run(['daemon', 'stop'])

  const refused = await b.run(['get', 'acme/bare']).then(() => '', (err: Error) => err.message)
  assert.match(refused, /the origin does not serve \.silmaril\.json at http:\/\/127\.0\.0\.1:\d+\/\.silmaril\.json \(HTTP 404\)/)
  assert.deepEqual(await readdir(join(b.home, 'models')), [])
  assert.deepEqual(await readdir(join(b.home, 'staging')), [])
})
