import assert from 'node:assert/strict'
import { readFile, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import type { LocalModel, ShareResult, TransferInfo } from '../../src/api/types.js'
import { createDaemonNet, eventually } from '../helpers/daemon-net.js'
import { writeModelFolder } from '../helpers/model-folder.js'

const WAIT_MS = 60_000

test('B gets what A shares by name: verified, installed in models/<org>/<name>, seeding; C gets it by magnet, --include one file', async t => {
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

  const partial = await net.json<LocalModel>(c, ['get', shared.magnet, '--include', 'config.json'])
  assert.equal(partial.name, 'acme/tiny-llama')
  assert.deepEqual((await readdir(partial.path)).sort(), ['.silmaril.json', 'config.json'])
  assert.equal(partial.files, 2)
  await assert.rejects(stat(join(partial.path, 'model.safetensors')))
})
