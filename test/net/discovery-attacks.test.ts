import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import WebTorrent from 'webtorrent'
import type { DiscoveredModel, NodeSnapshot, ShareResult } from '../../src/api/types.js'
import { sharedKeyPair } from '../../src/catalog/slot-keys.js'
import { encodeSlotValue } from '../../src/catalog/slot-value.js'
import { DhtNode } from '../../src/dht/dht-node.js'
import { dhtOptions } from '../../src/dht/dht-options.js'
import { identityFromSeed } from '../../src/identity.js'
import { ENTRY_DOMAIN, signObject } from '../../src/signed-json.js'
import { CatalogTransport } from '../../src/share/catalog-transport.js'
import { createDaemonHome } from '../../scripts/lib/loopback.js'
import { createDaemonNet, eventually } from '../helpers/daemon-net.js'
import { writeModelFolder } from '../helpers/model-folder.js'

const WAIT_MS = 45_000

/** A vandal in the test process: its own DHT node and torrent client on the testnet. */
async function vandal (t: TestContext, bootstrap: string) {
  const dir = await mkdtemp(join(tmpdir(), 'silmaril-vandal-'))
  const client = new WebTorrent({ dht: dhtOptions({ bootstrap: [bootstrap] }), tracker: false, lsd: false, natUpnp: false, natPmp: false, utp: false })
  await new Promise<void>(resolve => { if (client.listening) resolve(); else client.once('listening', () => { resolve() }) })
  t.after(async () => {
    await new Promise<void>(resolve => { client.destroy(() => { resolve() }) })
    await rm(dir, { recursive: true, force: true })
  })
  const dht = new DhtNode({ dht: client.dht as never }, {})
  await dht.ready()
  const shared = sharedKeyPair()
  const currentSeq = async (): Promise<number> => (await dht.getMutable(shared.publicKey))?.seq ?? 0
  return {
    transport: new CatalogTransport({ client }, { dir }),
    writeShared: async (v: unknown, seq?: number): Promise<void> => {
      await dht.putMutable({ keyPair: shared, seq: seq ?? (await currentSeq()) + 1_000_000, v: v as never })
    }
  }
}

function forgedCatalog (victim: string, attacker = identityFromSeed(Buffer.alloc(32, 0xee))): Buffer {
  const base = { v: 1, revision: 'main', license: 'mit', tags: ['llama'], description: 'forged', size: 1, files: 2, format: 'gguf', infohash: 'f'.repeat(40), infohash_v2: 'f'.repeat(64), updated: new Date().toISOString() }
  const entries = [
    signObject(ENTRY_DOMAIN, { ...base, publisher: victim, name: 'acme/tiny-llama' }, attacker.secretSeed),
    signObject(ENTRY_DOMAIN, { v: 1, publisher: victim, name: 'acme/tiny-llama', revision: 'main', updated: new Date(Date.now() + 60_000).toISOString(), revoked: true }, attacker.secretSeed),
    signObject(ENTRY_DOMAIN, { ...base, publisher: attacker.publisherId, name: 'evil/huge', description: 'x'.repeat(10_000) }, attacker.secretSeed),
    { ...base, publisher: attacker.publisherId, name: 'evil/unsigned', signature: '0'.repeat(128) }
  ]
  return Buffer.from(JSON.stringify({ v: 1, entries }))
}

test('garbage, a forged catalog and a max-seq lock in the shared slot never cost an honest node an entry', async t => {
  const net = await createDaemonNet(t, 5, ['a', 'b', 'c', 'd', 'e'])
  const [a, b, c] = net.daemons as [typeof net.daemons[0], typeof net.daemons[0], typeof net.daemons[0]]
  await net.json<ShareResult>(a, ['share', await writeModelFolder(join(net.root, 'llama'), { seed: 1 }), '--name', 'acme/tiny-llama', '--license', 'mit'])
  await net.json<ShareResult>(b, ['share', await writeModelFolder(join(net.root, 'mistral'), { seed: 2 }), '--name', 'bravo/small-mistral', '--license', 'mit'])
  const honest = ['acme/tiny-llama', 'bravo/small-mistral']
  const discoversAll = (node: typeof c, names: string[]) => async () => {
    const found = new Set((await net.json<DiscoveredModel[]>(node, ['discover', '--refresh'])).map(m => m.name))
    return names.every(n => found.has(n)) ? found : undefined
  }
  await eventually('C discovering both honest models', WAIT_MS, discoversAll(c, honest))

  const attacker = await vandal(t, net.bootstrap.address)
  await attacker.writeShared(Buffer.from('{"catalog_infohash":"go-style JSON string"}'))
  await eventually('C counting the garbage value and keeping both', WAIT_MS, async () => {
    const found = await discoversAll(c, honest)()
    return found !== undefined && ((await net.status(c)).catalog?.pointers['unknown_values'] ?? 0) > 0 ? true : undefined
  })

  const forged = await attacker.transport.seed(forgedCatalog((await net.status(a)).publisher.id))
  await attacker.writeShared(encodeSlotValue(forged.infohash))
  const rejected = await eventually('C rejecting the forged catalog and keeping both', WAIT_MS, async () => {
    const found = await discoversAll(c, honest)()
    const counts = (await net.status(c)).catalog?.rejected ?? {}
    return found !== undefined && (counts['bad_signature'] ?? 0) >= 3 && (counts['oversized'] ?? 0) >= 1 ? counts : undefined
  })
  assert.ok((rejected['bad_signature'] ?? 0) >= 3, JSON.stringify(rejected))
  const evil = await net.json<DiscoveredModel[]>(c, ['discover', 'evil'])
  assert.deepEqual(evil, [], 'no forged entry is ever listed')

  await attacker.writeShared(encodeSlotValue('e'.repeat(40)), Number.MAX_SAFE_INTEGER)
  await net.json<ShareResult>(a, ['share', await writeModelFolder(join(net.root, 'third'), { seed: 3 }), '--name', 'acme/third', '--license', 'mit'])
  await eventually('C finding a new entry through A\'s own slot despite the lock', WAIT_MS, discoversAll(c, [...honest, 'acme/third']))
  await eventually('A noticing the lock', WAIT_MS, async () => (await net.status(a)).catalog?.shared_slot.last === 'locked' ? true : undefined)
  for (const node of net.daemons) {
    const status: NodeSnapshot = (await net.status(node))
    assert.ok((status.catalog?.live ?? 0) >= 2 || node === net.daemons[3] || node === net.daemons[4], `${node.name} kept its entries`)
  }

  const newcomer = await createDaemonHome('newcomer', net.root, [net.bootstrap.address])
  newcomer.env['SILMARIL_DISCOVERY_PUBLISHERS'] = (await net.status(a)).publisher.id
  net.daemons.push(newcomer)
  await newcomer.run(['daemon', 'start'])
  await eventually('a newcomer configured with A\'s key finding A\'s models despite the locked shared slot', WAIT_MS, discoversAll(newcomer, ['acme/tiny-llama', 'acme/third']))
})


