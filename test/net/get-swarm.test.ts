import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { appendFile, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import type { DiscoveredModel, LocalModel, ShareResult, TransferInfo } from '../../src/api/types.js'
import { createDaemonNet, eventually } from '../helpers/daemon-net.js'
import { writeModelFolder } from '../helpers/model-folder.js'

const WAIT_MS = 120_000
/** 24 · 2900² bytes of weights: just over 200 MB. */
const HIDDEN_SIZE = 2900
/** C's download limit (16 MiB/s): slow enough to kill A mid-transfer, and checked as a limit. */
const LIMIT_KIBPS = 16384

async function sha256 (path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

async function sameFiles (a: string, b: string, files: string[]): Promise<void> {
  for (const file of files) assert.equal(await sha256(join(b, file)), await sha256(join(a, file)), file)
}

test('a 200 MB model: B discovers and gets it by name; C gets it from A and B, and finishes from B when A is killed mid-transfer', async t => {
  const net = await createDaemonNet(t, 3, ['a', 'b', 'c'])
  const [a, b, c] = net.daemons as [typeof net.daemons[0], typeof net.daemons[0], typeof net.daemons[0]]
  const folder = await writeModelFolder(join(net.root, 'big-llama'), { seed: 11, hiddenSize: HIDDEN_SIZE })
  const shared = await net.json<ShareResult>(a, ['share', folder, '--name', 'acme/big-llama', '--license', 'apache-2.0'])
  assert.ok(shared.size >= 200_000_000, `the model is ${shared.size} bytes`)
  const files = ['model.safetensors', 'config.json', 'tokenizer.json', '.silmaril.json']

  await eventually('B discovering the model', WAIT_MS, async () => (await net.json<DiscoveredModel[]>(b, ['discover', 'big', '--refresh'])).length === 1 ? true : undefined)
  const onB = await net.json<LocalModel>(b, ['get', 'acme/big-llama'])
  await sameFiles(folder, onB.path, files)

  // C fetches at 16 MiB/s so that A can be killed mid-transfer; B, seeding since its install, carries on.
  await c.run(['daemon', 'stop'])
  await appendFile(join(c.home, 'config.yaml'), `limits:\n  download_limit_kbps: ${LIMIT_KIBPS}\n`)
  await c.run(['daemon', 'start'])
  await eventually('C discovering the model', WAIT_MS, async () => (await net.json<DiscoveredModel[]>(c, ['discover', 'big', '--refresh'])).length === 1 ? true : undefined)
  const startedAt = Date.now()
  const started = await net.json<TransferInfo>(c, ['get', 'acme/big-llama', '--detach'])
  await eventually('C connected to both seeders, a fifth of the way', WAIT_MS, async () => {
    const info = await net.json<TransferInfo>(c, ['transfers', 'show', started.id])
    return info.progress > 0.2 && info.peers >= 2 ? info : undefined
  })
  process.kill((JSON.parse(await readFile(join(a.home, 'daemon.json'), 'utf8')) as { pid: number }).pid, 'SIGKILL')
  await eventually('C installing the model', WAIT_MS, async () => {
    const list = await net.json<TransferInfo[]>(c, ['transfers'])
    return list.some(x => x.id === started.id && x.kind === 'seed' && x.state === 'seeding') ? true : undefined
  })
  // Unthrottled, this transfer takes a second or two; the limit must hold it to about its rate.
  const floorS = 0.75 * shared.size / (LIMIT_KIBPS * 1024)
  const tookS = (Date.now() - startedAt) / 1000
  assert.ok(tookS >= floorS, `limits.download_limit_kbps ${LIMIT_KIBPS}: ${shared.size} bytes took ${tookS.toFixed(1)} s, under the ${floorS.toFixed(1)} s the limit allows`)
  const onC = await net.json<LocalModel>(c, ['list']).then(list => (list as unknown as LocalModel[]).find(m => m.name === 'acme/big-llama'))
  assert.ok(onC !== undefined)
  await sameFiles(folder, onC.path, files)
  const seedOnB = (await net.json<TransferInfo[]>(b, ['transfers'])).find(x => x.id === shared.infohash)
  assert.equal(seedOnB?.kind, 'seed')
  assert.ok((seedOnB?.uploaded_bytes ?? 0) > 0, 'B seeded to C')
})
