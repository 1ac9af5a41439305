import assert from 'node:assert/strict'
import { once } from 'node:events'
import { cp, readFile, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import WebTorrent from 'webtorrent'
import type { LocalModel, ServerEvent, ShareResult, TransferInfo } from '../../src/api/types.js'
import type { DaemonClient } from '../../src/cli/client.js'
import { EventStream } from '../../src/cli/event-stream.js'
import { PadAwareStore } from '../../src/share/pad-store.js'
import { createDaemonNet, eventually } from '../helpers/daemon-net.js'
import { writeModelFolder } from '../helpers/model-folder.js'
import { OFFLINE_CLIENT_OPTIONS } from '../helpers/webtorrent.js'

const WAIT_MS = 60_000

test('B gets what A shares by name: verified, installed in models/<org>/<name>, seeding; C, which never searched, gets it by name, --include one file', async t => {
  const net = await createDaemonNet(t, 3, ['a', 'b', 'c'])
  const [a, b, c] = net.daemons as [typeof net.daemons[0], typeof net.daemons[0], typeof net.daemons[0]]
  const folder = await writeModelFolder(join(net.root, 'tiny'), { seed: 7, hiddenSize: 512 })
  const shared = await net.json<ShareResult>(a, ['share', folder, '--name', 'acme/tiny-llama', '--license', 'mit'])
  await eventually('B discovering the model', WAIT_MS, async () => (await net.json<unknown[]>(b, ['discover', '--refresh'])).length === 1 ? true : undefined)

  const model = await net.json<LocalModel>(b, ['get', 'acme/tiny-llama'])
  assert.equal(model.name, 'acme/tiny-llama')
  assert.equal(model.path, join(b.home, 'models', 'acme', 'tiny-llama'))
  assert.equal(model.origin, 'downloaded')
  assert.equal(model.infohash, shared.infohash)
  assert.equal(model.publisher, (await net.status(a)).publisher.id)
  for (const file of ['model.safetensors', 'config.json', 'tokenizer.json', '.silmaril.json']) {
    assert.deepEqual(await readFile(join(model.path, file)), await readFile(join(folder, file)), file)
  }
  assert.deepEqual(await readdir(join(b.home, 'staging')), [], 'nothing left in staging')
  const transfers = await net.json<TransferInfo[]>(b, ['transfers'])
  assert.equal(transfers.find(x => x.id === shared.infohash)?.kind, 'seed')
  assert.equal(transfers.find(x => x.id === shared.infohash)?.state, 'seeding')

  const again = await b.run(['get', 'acme/tiny-llama'])
  assert.equal(again.trim(), model.path, 'a second get finds it installed')

  // C never searched: a name its catalog lacks makes the get ask the network once.
  const missing = await c.run(['get', 'acme/missing']).then(() => undefined, (err: Error) => err.message)
  assert.match(missing ?? '', /exited 4: [^]*no model acme\/missing in the catalog, nor in the catalogs the network has now/)
  const partial = await net.json<LocalModel>(c, ['get', 'acme/tiny-llama', '--include', 'config.json'])
  assert.equal(partial.name, 'acme/tiny-llama')
  assert.deepEqual((await readdir(partial.path)).sort(), ['.silmaril.json', 'config.json'])
  assert.equal(partial.files, 2)
  await assert.rejects(stat(join(partial.path, 'model.safetensors')))
})

async function daemonPid (home: string): Promise<number> {
  return (JSON.parse(await readFile(join(home, 'daemon.json'), 'utf8')) as { pid: number }).pid
}

test('kill -9 mid-download: after a restart the transfer resumes from its verified pieces and installs identical bytes; pause, resume, cancel', async t => {
  // B fetches at 4 MiB/s so the kill lands mid-transfer.
  const net = await createDaemonNet(t, 2, ['a', 'b'], { SILMARIL_LIMITS_DOWNLOAD_LIMIT_KBPS: '4096' })
  const [a, b] = net.daemons as [typeof net.daemons[0], typeof net.daemons[0]]
  const folder = await writeModelFolder(join(net.root, 'big'), { seed: 3, hiddenSize: 1280 })
  const shared = await net.json<ShareResult>(a, ['share', folder, '--name', 'acme/big', '--license', 'mit'])
  const started = await net.json<TransferInfo>(b, ['get', shared.magnet, '--detach'])
  assert.equal(started.id, shared.infohash)
  const show = async (): Promise<TransferInfo> => await net.json<TransferInfo>(b, ['transfers', 'show', started.id.slice(0, 10)])

  const before = await eventually('a third of the model on B', WAIT_MS, async () => {
    const info = await show()
    return info.progress > 0.33 ? info : undefined
  })
  assert.equal(before.state, 'downloading')
  assert.ok((before.files ?? []).some(f => f.path === 'model.safetensors' && f.done_bytes > 0))
  process.kill(await daemonPid(b.home), 'SIGKILL')
  await b.run(['daemon', 'start'])
  const resumed = await eventually('the transfer back after the restart', WAIT_MS, async () => {
    const info = await show()
    return info.state === 'downloading' && info.total_bytes > 0 ? info : undefined
  })
  assert.ok(resumed.done_bytes >= before.done_bytes * 0.9, `resumed at ${resumed.done_bytes} bytes, had ${before.done_bytes} before the kill`)

  const events = await collectEvents(b)
  t.after(() => { events.stop() })
  const paused = await net.json<TransferInfo>(b, ['transfers', 'pause', started.id.slice(0, 10)])
  assert.equal(paused.state, 'paused')
  assert.ok(paused.done_bytes > 0 && paused.total_bytes === resumed.total_bytes, `paused, it shows what it holds: ${paused.done_bytes} of ${paused.total_bytes} bytes`)
  assert.ok(((await show()).files ?? []).some(f => f.path === 'model.safetensors' && f.done_bytes > 0))
  await new Promise(resolve => setTimeout(resolve, 1500))
  assert.equal((await show()).done_bytes, paused.done_bytes, 'a paused transfer fetches nothing')
  const queued = await net.json<TransferInfo>(b, ['transfers', 'resume', started.id.slice(0, 10)])
  assert.equal(queued.state, 'queued')
  assert.ok(queued.done_bytes >= paused.done_bytes, 'resumed, it starts from what it held')

  await eventually('B installing the model', WAIT_MS, async () => {
    const list = await net.json<TransferInfo[]>(b, ['transfers'])
    return list.some(x => x.id === started.id && x.kind === 'seed' && x.state === 'seeding') ? true : undefined
  })
  assert.deepEqual(events.events.filter(e => e.type === 'error'), [], 'pausing and resuming report no error (a check cut short by the pause is no failed piece)')
  const installed = join(b.home, 'models', 'acme', 'big')
  assert.deepEqual(await readFile(join(installed, 'model.safetensors')), await readFile(join(folder, 'model.safetensors')))
  // A, the only seeder, ran throughout: what it sent is what B fetched over both of its runs.
  const sent = (await net.json<TransferInfo>(a, ['transfers', 'show', started.id])).uploaded_bytes
  assert.ok(sent < 1.5 * shared.size, `A sent ${sent} bytes of a ${shared.size}-byte model across B's kill -9, restart, pause and resume`)

  // A cancelled download leaves nothing behind.
  const other = await writeModelFolder(join(net.root, 'other'), { seed: 4, hiddenSize: 1280 })
  const second = await net.json<ShareResult>(a, ['share', other, '--name', 'acme/other', '--license', 'mit'])
  await net.json<TransferInfo>(b, ['get', second.magnet, '--detach'])
  await eventually('the second download under way', WAIT_MS, async () => (await net.json<TransferInfo>(b, ['transfers', 'show', second.infohash])).done_bytes > 0 ? true : undefined)
  assert.deepEqual(await net.json(b, ['transfers', 'cancel', second.infohash]), { id: second.infohash, cancelled: true })
  assert.deepEqual(await readdir(join(b.home, 'staging')), [])
  assert.equal((await net.json<TransferInfo[]>(b, ['transfers'])).some(x => x.id === second.infohash), false)
  await assert.rejects(b.run(['transfers', 'show', second.infohash]), /no transfer/)
})

/** Collects the daemon's server-sent events until `stop()`. */
async function collectEvents (daemon: { client: () => Promise<DaemonClient> }): Promise<{ events: ServerEvent[], stop: () => void }> {
  const client = await daemon.client()
  const events: ServerEvent[] = []
  const stream = new EventStream({ locator: async () => ({ url: client.url, token: client.token }) })
  stream.onEvent(event => { events.push(event) })
  stream.start()
  await eventually('the event stream open', WAIT_MS, () => events.length > 0 ? true : undefined)
  return { events, stop: () => { stream.stop() } }
}

test('a peer sending corrupt pieces is banned and the model still installs from an honest one; licenses outside policy need --accept-license', async t => {
  const net = await createDaemonNet(t, 2, ['a', 'b'])
  const [a, b] = net.daemons as [typeof net.daemons[0], typeof net.daemons[0]]
  const folder = await writeModelFolder(join(net.root, 'honest'), { seed: 9, hiddenSize: 512 })
  const shared = await net.json<ShareResult>(a, ['share', folder, '--name', 'acme/target', '--license', 'llama3'])

  const refused = await b.run(['get', shared.magnet]).then(() => undefined, (err: Error) => err.message)
  assert.match(refused ?? '', /exited 1: /)
  assert.match(refused ?? '', /\nsilmaril: acme\/target is under llama3, which policy\.accept_licenses does not list .*--accept-license/)
  assert.equal((await net.json<TransferInfo[]>(b, ['transfers'])).find(x => x.id === shared.infohash)?.state, 'failed')

  // Only a liar serves the model at first: A stops seeding, a webtorrent holding a corrupted copy connects to B.
  await net.json(a, ['transfers', 'pause', shared.infohash])
  const client = await a.client()
  const torrentFile = Buffer.from(await (await fetch(`${client.url}/api/v1/models/acme/target/torrent`, { headers: { authorization: `Bearer ${client.token ?? ''}` } })).arrayBuffer())
  const liarFolder = join(net.root, 'liar')
  await cp(folder, liarFolder, { recursive: true })
  const weights = await readFile(join(liarFolder, 'model.safetensors'))
  for (let i = 4096; i < weights.length; i += 65_536) weights[i] = weights[i]! ^ 0xff
  await writeFile(join(liarFolder, 'model.safetensors'), weights)
  const liar = new WebTorrent(OFFLINE_CLIENT_OPTIONS)
  t.after(async () => { await new Promise<void>(resolve => { liar.destroy(() => { resolve() }) }) })
  const liarTorrent = liar.add(torrentFile, { path: liarFolder, store: PadAwareStore, storeOpts: { folder: liarFolder }, skipVerify: true, announce: [] })
  await once(liarTorrent, 'ready')

  const events = await collectEvents(b)
  t.after(() => { events.stop() })
  await net.json<TransferInfo>(b, ['get', shared.magnet, '--accept-license', '--detach'])
  const port = (await net.status(b)).torrent.port
  liarTorrent.addPeer(`127.0.0.1:${String(port)}`)
  const ban = await eventually('B banning the liar', WAIT_MS, () => events.events.find(e => e.type === 'error' && /failed verification; the peer is banned/.test(e.message)))
  assert.equal(ban.type === 'error' ? ban.transfer_id : undefined, shared.infohash)
  assert.notEqual((await net.json<TransferInfo>(b, ['transfers', 'show', shared.infohash])).state, 'seeding', 'nothing installs from the liar')
  await assert.rejects(stat(join(b.home, 'models', 'acme', 'target')))

  await net.json(a, ['transfers', 'resume', shared.infohash])
  await eventually('B installing from A', WAIT_MS, async () => {
    const list = await net.json<TransferInfo[]>(b, ['transfers'])
    return list.some(x => x.id === shared.infohash && x.kind === 'seed') ? true : undefined
  })
  assert.deepEqual(await readFile(join(b.home, 'models', 'acme', 'target', 'model.safetensors')), await readFile(join(folder, 'model.safetensors')))
})

test('beyond limits.max_concurrent_downloads a get waits in the queue; --output installs elsewhere, still registered', async t => {
  const net = await createDaemonNet(t, 2, ['a', 'b'], { SILMARIL_LIMITS_MAX_CONCURRENT_DOWNLOADS: '1', SILMARIL_LIMITS_DOWNLOAD_LIMIT_KBPS: '4096' })
  const [a, b] = net.daemons as [typeof net.daemons[0], typeof net.daemons[0]]
  const first = await net.json<ShareResult>(a, ['share', await writeModelFolder(join(net.root, 'one'), { seed: 31, hiddenSize: 1024 }), '--name', 'acme/one', '--license', 'mit'])
  const second = await net.json<ShareResult>(a, ['share', await writeModelFolder(join(net.root, 'two'), { seed: 32, hiddenSize: 256 }), '--name', 'acme/two', '--license', 'mit'])
  const output = join(net.root, 'elsewhere', 'two')
  await net.json<TransferInfo>(b, ['get', first.magnet, '--detach'])
  const queued = await net.json<TransferInfo>(b, ['get', second.magnet, '--detach', '--output', output])
  assert.equal(queued.state, 'queued')
  const states = new Map((await net.json<TransferInfo[]>(b, ['transfers'])).map(x => [x.id, x.state]))
  assert.equal(states.get(second.infohash), 'queued', 'the second waits while the first runs')
  assert.notEqual(states.get(first.infohash), 'queued')

  await eventually('both installed', WAIT_MS, async () => {
    const list = await net.json<TransferInfo[]>(b, ['transfers'])
    return [first.infohash, second.infohash].every(id => list.some(x => x.id === id && x.kind === 'seed')) ? true : undefined
  })
  const models = await net.json<LocalModel[]>(b, ['list'])
  assert.equal(models.find(m => m.name === 'acme/two')?.path, output)
  assert.equal(models.find(m => m.name === 'acme/one')?.path, join(b.home, 'models', 'acme', 'one'))
})
