import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import type { DiscoveredModel, ShareResult } from '../../src/api/types.js'
import { createDaemonNet, eventually } from '../helpers/daemon-net.js'
import { writeModelFolder } from '../helpers/model-folder.js'

const DISCOVER_WAIT_MS = 45_000

test('A and B share, C discovers both; A unshares and C sees it go; converged nodes seed one catalog', async t => {
  const net = await createDaemonNet(t, 5, ['a', 'b', 'c', 'd', 'e'])
  const [a, b, c, d, e] = net.daemons as [typeof net.daemons[0], typeof net.daemons[0], typeof net.daemons[0], typeof net.daemons[0], typeof net.daemons[0]]
  const sharedA = await net.json<ShareResult>(a, ['share', await writeModelFolder(join(net.root, 'llama-a'), { seed: 1 }), '--name', 'acme/tiny-llama', '--license', 'mit', '--tags', 'chat'])
  const sharedB = await net.json<ShareResult>(b, ['share', await writeModelFolder(join(net.root, 'mistral-b'), { seed: 2, modelType: 'mistral' }), '--name', 'bravo/small-mistral', '--license', 'apache-2.0'])

  const found = await eventually('C discovering both models', DISCOVER_WAIT_MS, async () => {
    const results = await net.json<DiscoveredModel[]>(c, ['discover', '--refresh'])
    return results.length === 2 ? results : undefined
  })
  const byName = new Map(found.map(m => [m.name, m]))
  assert.equal(byName.get('acme/tiny-llama')?.infohash, sharedA.infohash)
  assert.equal(byName.get('acme/tiny-llama')?.infohash_v2, sharedA.infohash_v2)
  assert.equal(byName.get('acme/tiny-llama')?.publisher, (await net.status(a)).publisher.id)
  assert.equal(byName.get('bravo/small-mistral')?.infohash, sharedB.infohash)
  for (const key of ['name', 'revision', 'license', 'tags', 'size', 'format', 'infohash', 'infohash_v2', 'publisher', 'updated']) assert.ok(key in found[0]!, key)

  const llama = await net.json<DiscoveredModel[]>(c, ['discover', 'llama'])
  assert.deepEqual(llama.map(m => m.name), ['acme/tiny-llama'])
  // A search starts counting its results' peers in the DHT; A seeds and has announced.
  const counted = await eventually('C counting the peers of acme/tiny-llama', DISCOVER_WAIT_MS, async () => {
    const [m] = await net.json<DiscoveredModel[]>(c, ['discover', 'llama'])
    return m?.peers !== undefined && m.peers >= 1 ? m : undefined
  })
  assert.ok(counted.peers! <= 5, `${counted.peers} peers for a torrent only A holds`)
  assert.deepEqual((await net.json<DiscoveredModel[]>(c, ['discover', '--license', 'apache-2.0'])).map(m => m.name), ['bravo/small-mistral'])
  assert.deepEqual(await net.json<DiscoveredModel[]>(c, ['discover', 'nothing-like-this']), [])
  const plain = await c.run(['discover', 'llama'])
  assert.match(plain, new RegExp(`^acme/tiny-llama\tmain\tmit\t\\d+\tsafetensors\t[a-z0-9.,_+-]*chat[a-z0-9.,_+-]*\t[0-9a-f]{64}\t${sharedA.infohash}\n$`), 'tab-separated when not a TTY')
  assert.equal(await c.run(['discover', 'nothing-like-this']), '', 'no match: nothing on stdout, exit 0')

  assert.equal(await a.run(['unshare', 'acme/tiny-llama']), '')
  await eventually('C seeing the tombstone', DISCOVER_WAIT_MS, async () => {
    const names = (await net.json<DiscoveredModel[]>(c, ['discover', '--refresh'])).map(m => m.name)
    return names.length === 1 && names[0] === 'bravo/small-mistral' ? true : undefined
  })

  const converged = await eventually('all five nodes seeding the same catalog', DISCOVER_WAIT_MS, async () => {
    for (const node of [d, e, a, b]) await net.json(node, ['discover', '--refresh'])
    const infohashes = new Set(await Promise.all(net.daemons.map(async node => (await net.status(node)).catalog?.infohash)))
    return infohashes.size === 1 ? [...infohashes][0] : undefined
  })
  assert.match(converged ?? '', /^[0-9a-f]{40}$/)
  const status = (await net.status(c))
  assert.equal(status.catalog?.entries, 2, 'one live entry and one tombstone')
  assert.equal(status.catalog?.live, 1)
  assert.match(status.catalog?.own_slot.magnet ?? '', /^magnet:\?xs=urn:btpk:[0-9a-f]{64}&s=73696c6d6172696c2d646973636f766572792d7631$/)
})

test('five nodes share at the same moment; the background refresh brings all five entries to every node', async t => {
  const names = ['n1', 'n2', 'n3', 'n4', 'n5']
  const net = await createDaemonNet(t, 5, names, { SILMARIL_DISCOVERY_REFRESH_INTERVAL: '10' })
  const folders = await Promise.all(names.map(async (name, i) => await writeModelFolder(join(net.root, `model-${name}`), { seed: 10 + i, hiddenSize: 64 })))
  await Promise.all(net.daemons.map(async (node, i) => await net.json<ShareResult>(node, ['share', folders[i]!, '--name', `org${i}/model-${i}`, '--license', 'mit'])))
  const expected = names.map((_, i) => `org${i}/model-${i}`).sort()
  await eventually('every node listing all five entries without --refresh', 60_000, async () => {
    const views = await Promise.all(net.daemons.map(async node => (await net.json<DiscoveredModel[]>(node, ['discover'])).map(m => m.name).sort()))
    return views.every(view => JSON.stringify(view) === JSON.stringify(expected)) ? views : undefined
  }, 1000)
})
