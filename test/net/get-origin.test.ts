import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import type { LocalModel, ShareResult } from '../../src/api/types.js'
import { createDaemonNet } from '../helpers/daemon-net.js'
import { writeModelFolder } from '../helpers/model-folder.js'
import { startRangeServer } from '../helpers/range-server.js'

test('the origin wins: with no peer holding the weights, C fetches them from the HTTP source, verified, and seeds them', async t => {
  // C asks the origin after 1 s without a piece.
  const net = await createDaemonNet(t, 3, ['a', 'b', 'c'], { SILMARIL_TORRENT_ORIGIN_FALLBACK_S: '1' })
  const [a, b, c] = net.daemons as [typeof net.daemons[0], typeof net.daemons[0], typeof net.daemons[0]]
  const folder = await writeModelFolder(join(net.root, 'origin-model'), { seed: 21, hiddenSize: 768 })
  const origin = await startRangeServer({ root: folder, missing: ['.silmaril.json'] })
  t.after(async () => { await origin.close() })
  const shared = await net.json<ShareResult>(a, ['share', folder, '--name', 'acme/origin-model', '--license', 'mit', '--source-url', `${origin.url}/`])

  // B keeps only the metadata and manifest; then the publisher goes away.
  await net.json<LocalModel>(b, ['get', shared.magnet, '--include', 'config.json'])
  await a.run(['daemon', 'stop'])

  const model = await net.json<LocalModel>(c, ['get', shared.magnet])
  for (const file of ['model.safetensors', 'config.json', 'tokenizer.json', '.silmaril.json']) {
    assert.deepEqual(await readFile(join(model.path, file)), await readFile(join(folder, file)), file)
  }
  assert.ok(origin.requests.some(path => path === '/model.safetensors'), 'the weights came from the origin')
  assert.ok(origin.bytesSent() >= (await readFile(join(folder, 'model.safetensors'))).length * 0.9)
  assert.equal(origin.requests.includes('/.silmaril.json'), false, 'the manifest came from a peer')
  assert.equal(model.seeding, true)
})

test('a get over the disk quota is refused with the numbers and a way out, and leaves nothing on disk', async t => {
  const net = await createDaemonNet(t, 2, ['a', 'b'], { SILMARIL_LIMITS_DISK_QUOTA_GB: '0.002' })
  const [a, b] = net.daemons as [typeof net.daemons[0], typeof net.daemons[0]]
  const folder = await writeModelFolder(join(net.root, 'too-big'), { seed: 5, hiddenSize: 512 })
  const shared = await net.json<ShareResult>(a, ['share', folder, '--name', 'acme/too-big', '--license', 'mit'])
  const refused = await b.run(['get', shared.magnet]).then(() => '', (err: Error) => err.message)
  assert.match(refused, /exited 1: /)
  assert.match(refused, /\nsilmaril: this download needs [\d.]+ GiB but the data dir already holds 0\.00 of the 0\.002 GiB limits\.disk_quota_gb; .*--include/)
  assert.deepEqual(await readdir(join(b.home, 'staging')), [])
  assert.deepEqual(await readdir(join(b.home, 'models')), [])
})
