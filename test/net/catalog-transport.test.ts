import assert from 'node:assert/strict'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import WebTorrent from 'webtorrent'
import { dhtOptions } from '../../src/dht/dht-options.js'
import { CatalogTransport } from '../../src/share/catalog-transport.js'
import { createTestnet } from '../helpers/testnet.js'

async function client (t: TestContext, bootstrap: string[]): Promise<{ client: WebTorrent, dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'silmaril-catalog-transport-'))
  const wt = new WebTorrent({ dht: dhtOptions({ bootstrap }), tracker: false, lsd: false, natUpnp: false, natPmp: false, utp: false })
  wt.on('error', (err: Error) => { assert.fail(`webtorrent error: ${err.message}`) })
  await new Promise<void>(resolve => { if (wt.listening) resolve(); else wt.once('listening', () => { resolve() }) })
  t.after(async () => {
    await new Promise<void>(resolve => { wt.destroy(() => { resolve() }) })
    await rm(dir, { recursive: true, force: true })
  })
  return { client: wt, dir }
}

test('a catalog seeded by one node is fetched by another through the DHT, by infohash alone', async t => {
  const net = await createTestnet(3, t)
  const a = await client(t, net.bootstrap)
  const b = await client(t, net.bootstrap)
  const seeder = new CatalogTransport({ client: a.client }, { dir: a.dir })
  const fetcher = new CatalogTransport({ client: b.client }, { dir: b.dir })
  const bytes = Buffer.from(JSON.stringify({ v: 1, entries: [{ name: 'acme/x' }] }))
  const { infohash, infohashV2 } = await seeder.seed(bytes)
  assert.match(infohash, /^[0-9a-f]{40}$/)
  assert.match(infohashV2, /^[0-9a-f]{64}$/)
  assert.deepEqual(await seeder.seed(bytes), { infohash, infohashV2 }, 'the same bytes give the same infohash')

  const fetched = await fetcher.fetch(infohash, { timeoutMs: 20_000, maxBytes: 1024 * 1024 })
  assert.deepEqual(Buffer.from(fetched), bytes)
  assert.equal(b.client.torrents.length, 0, 'the fetched catalog torrent is dropped after reading')
  assert.deepEqual((await readdir(b.dir)).filter(n => n.startsWith('fetch-')), [], 'and its files removed')

  const bigger = Buffer.alloc(2048, 1)
  const second = await seeder.seed(bigger)
  assert.notEqual(second.infohash, infohash)
  assert.deepEqual(a.client.torrents.map(tt => tt.infoHash), [second.infohash], 'only the current catalog is seeded')
  await assert.rejects(fetcher.fetch(second.infohash, { timeoutMs: 20_000, maxBytes: 1000 }), /not a single file of at most 1000 bytes/)
  await assert.rejects(fetcher.fetch('0'.repeat(40), { timeoutMs: 1500, maxBytes: 1000 }), /no peer served catalog/)
})
