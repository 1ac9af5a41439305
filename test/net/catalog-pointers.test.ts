import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { once } from 'node:events'
import { test, type TestContext } from 'node:test'
import bencode from 'bencode'
import { nextSharedSeq, OWN_SLOT_STORE_KEY, PointerPublisher, type BeforeSharedWrite, type PointerPublisherInit, type SharedPublishResult } from '../../src/catalog/pointer-publisher.js'
import { PointerRepublisher, type RepublishRound } from '../../src/catalog/pointer-republisher.js'
import { PointerResolver, readSlot, type SlotRead } from '../../src/catalog/pointer-resolver.js'
import { createPointerStats, memoryPointerStore, PublisherSet, type PointerStore } from '../../src/catalog/pointers.js'
import { ownSlot, SHARED_SLOT_SEED, sharedSlot, type Slot } from '../../src/catalog/slot-keys.js'
import { encodeSlotValue } from '../../src/catalog/slot-value.js'
import { signable } from '../../src/dht/bep44.js'
import { createDht, type DhtNode, type MutableItem } from '../../src/dht/dht-node.js'
import { generateSeed, sign } from '../../src/dht/ed25519.js'
import { identityFromSeed, type Identity } from '../../src/identity.js'
import { createTestnet, TESTNET_HOST } from '../helpers/testnet.js'
import { teardown } from '../helpers/teardown.js'
import { failOnUnexpectedEvents } from '../helpers/unexpected-events.js'
import { until, withTimeout } from '../helpers/wait.js'

const TEST_TIMEOUT_MS = 90_000
const WAIT_MS = 20_000
// Retries in tests stay short; the backoff itself is not under test.
const FAST: PointerPublisherInit = { backoffMs: 10, maxBackoffMs: 50 }
// The original Go Silmaril's value: JSON text stored as a bencoded string.
const GO_VALUE = Buffer.from('{"catalog_infohash":"0123456789abcdef0123456789abcdef01234567","timestamp":1718000000}')

function infohash (label: string): string {
  return createHash('sha1').update(label).digest('hex')
}

function newIdentity (): Identity {
  return identityFromSeed(generateSeed())
}

function at<T> (list: readonly T[], index: number): T {
  const value = list[index]
  assert.ok(value !== undefined, `no element ${index}`)
  return value
}

function hex (bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

function pointed (read: SlotRead | null): string | null {
  return read?.kind === 'pointer' ? read.infohash : null
}

async function read (dht: DhtNode, slot: Slot): Promise<SlotRead | null> {
  return await withTimeout(readSlot(dht, slot), WAIT_MS, `a read of the ${slot.kind} slot`)
}

/** Stand-in for catalog torrents: a catalog is a sorted set of entry names, its infohash SHA-1 of them. */
class Catalogs {
  readonly #byInfohash = new Map<string, string[]>()

  publish (entries: Iterable<string>): string {
    const sorted = [...new Set(entries)].sort()
    const ih = infohash(JSON.stringify(sorted))
    this.#byInfohash.set(ih, sorted)
    return ih
  }

  entries (ih: string | null): string[] {
    return ih === null ? [] : this.#byInfohash.get(ih) ?? []
  }
}

/** A fake merge: union what the slot points to with what this node knows, answer that catalog. */
function merger (catalogs: Catalogs, own: string[]): { hook: BeforeSharedWrite, seen: Set<string>, calls: Array<SlotRead | null> } {
  const seen = new Set(own)
  const calls: Array<SlotRead | null> = []
  const hook: BeforeSharedWrite = async (current, slotRead) => {
    calls.push(slotRead)
    for (const entry of catalogs.entries(current)) seen.add(entry)
    return catalogs.publish(seen)
  }
  return { hook, seen, calls }
}

/** Holds every caller until `size` have arrived, so racing writers all read the same slot. */
function barrier (size: number): () => Promise<void> {
  let arrived = 0
  let open = (): void => {}
  const opened = new Promise<void>(resolve => { open = resolve })
  return async () => {
    if (++arrived >= size) open()
    await withTimeout(opened, WAIT_MS, `${size} writers to read the shared slot`)
  }
}

function racing (hook: BeforeSharedWrite, wait: () => Promise<void>): BeforeSharedWrite {
  let first = true
  return async (current, slotRead) => {
    const answer = await hook(current, slotRead)
    if (first) {
      first = false
      await wait()
    }
    return answer
  }
}

function newPublisher (dht: DhtNode, init: PointerPublisherInit & { identity?: Identity, store?: PointerStore } = {}): PointerPublisher {
  const { identity = newIdentity(), store, ...rest } = init
  const components = store === undefined ? { dht, keyPair: identity } : { dht, keyPair: identity, store }
  return new PointerPublisher(components, { ...FAST, ...rest })
}

async function joinThrough (t: TestContext, via: DhtNode, count: number): Promise<DhtNode[]> {
  const cleanup = teardown(t)
  const address = via.address()
  assert.ok(address !== null)
  const nodes = await Promise.all(Array.from({ length: count }, async (_, i) => {
    const node = await createDht({ bootstrap: [`${TESTNET_HOST}:${address.port}`], host: TESTNET_HOST, port: 0 })
    cleanup.push(async () => { await node.destroy() })
    failOnUnexpectedEvents(t, { [`newcomer ${i}`]: node })
    await withTimeout(node.ready(), WAIT_MS, `newcomer ${i} to be ready`)
    return node
  }))
  await until([via], 'node', () => nodes.every(node => via.nodes().some(peer => peer.id === node.nodeId)),
    WAIT_MS, 'the newcomers to be known')
  return nodes
}

test('a node publishes its own slot and another resolves it through the network', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const testnet = await createTestnet(6, t)
  const identity = newIdentity()
  const publisher = newPublisher(at(testnet.nodes, 0), { identity })
  await publisher.start()
  assert.equal(publisher.lastOwn, null)

  const first = await publisher.publishOwn(infohash('catalog 1'))
  assert.deepEqual({ ...first, nodes: first.nodes > 0 }, { infohash: infohash('catalog 1'), seq: 1, nodes: true, replayed: false })
  assert.equal(publisher.ownMagnet, `magnet:?xs=urn:btpk:${identity.publisherId}&s=${Buffer.from('silmaril-discovery-v1').toString('hex')}`)

  const reader = await testnet.add()
  const slot = ownSlot(identity.publisherId)
  assert.equal(reader.localMutable(slot.publicKey, slot.salt), null, 'the reader joined after the put')
  const resolver = new PointerResolver({ dht: reader })
  const got = await withTimeout(resolver.resolve(slot), WAIT_MS, 'the own slot')
  assert.ok(got?.kind === 'pointer')
  assert.equal(got.infohash, infohash('catalog 1'))
  assert.equal(got.seq, 1)
  assert.equal(hex(got.item.k), identity.publisherId)
  assert.equal(Buffer.from(got.item.salt).toString(), 'silmaril-discovery-v1')

  const second = await publisher.publishOwn(infohash('catalog 2'))
  assert.equal(second.seq, 2)
  assert.equal(pointed(await resolver.resolve(slot)), infohash('catalog 2'))
  const again = await publisher.publishOwn(infohash('catalog 2'))
  assert.equal(again.seq, 2, 'an unchanged pointer spends no seq')
  assert.equal(again.replayed, true)
  assert.deepEqual(publisher.lastOwn, { infohash: infohash('catalog 2'), seq: 2 })
  assert.equal(resolver.latest(slot)?.seq, 2)
  assert.equal(publisher.stats.puts, 2)
  assert.equal(publisher.stats.errors, 0)
  assert.deepEqual({ reads: resolver.stats.reads, unknown: resolver.stats.unknown_values }, { reads: 2, unknown: 0 })
})

test('a restarted publisher continues its sequence from its store or from the DHT', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const testnet = await createTestnet(6, t)
  const identity = newIdentity()
  const store = memoryPointerStore()
  const before = newPublisher(at(testnet.nodes, 0), { identity, store })
  await before.publishOwn(infohash('one'))
  await before.publishOwn(infohash('two'))
  await before.stop()
  const saved = JSON.parse(await store.get(OWN_SLOT_STORE_KEY) ?? '{}') as { seq: number, ih: string, sig: string }
  assert.deepEqual({ seq: saved.seq, ih: saved.ih }, { seq: 2, ih: infohash('two') })
  assert.match(saved.sig, /^[0-9a-f]{128}$/)
  await assert.rejects(before.publishOwn(infohash('late')), { code: 'interrupted' })

  const restarted = newPublisher(at(testnet.nodes, 1), { identity, store })
  await restarted.start()
  assert.deepEqual(restarted.lastOwn, { infohash: infohash('two'), seq: 2 })
  assert.equal((await restarted.publishOwn(infohash('three'))).seq, 3)

  // The store is gone (a new data dir): the DHT still knows seq 3.
  const storeLost = newPublisher(at(testnet.nodes, 2), { identity, store: memoryPointerStore() })
  await storeLost.start()
  assert.deepEqual(storeLost.lastOwn, { infohash: infohash('three'), seq: 3 })
  assert.equal((await storeLost.publishOwn(infohash('four'))).seq, 4)

  // A damaged store is ignored and counted; the DHT has the truth.
  const damaged = memoryPointerStore()
  await damaged.put(OWN_SLOT_STORE_KEY, '{"seq":1,"ih":"nope"}')
  const fromDamaged = newPublisher(at(testnet.nodes, 3), { identity, store: damaged })
  assert.equal((await fromDamaged.publishOwn(infohash('five'))).seq, 5)
  assert.equal(fromDamaged.stats.errors, 1)

  // A store ahead of the DHT (that put never left the node) wins over the DHT.
  const ahead = memoryPointerStore()
  const v = encodeSlotValue(infohash('never sent'))
  const salt = ownSlot(identity.publisherId).salt
  const sig = sign(signable({ salt, seq: 9, v }), identity.secretSeed)
  await ahead.put(OWN_SLOT_STORE_KEY, JSON.stringify({ seq: 9, ih: infohash('never sent'), sig: hex(sig) }))
  const fromAhead = newPublisher(at(testnet.nodes, 4), { identity, store: ahead })
  await fromAhead.start()
  assert.deepEqual(fromAhead.lastOwn, { infohash: infohash('never sent'), seq: 9 })
  assert.equal((await fromAhead.publishOwn(infohash('six'))).seq, 10)

  const reader = await testnet.add()
  const got = await read(reader, ownSlot(identity.publisherId))
  assert.equal(got?.seq, 10)
  assert.equal(pointed(got), infohash('six'))
})

test('a publisher that started offline reads before it puts and continues after the network\'s seq', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const testnet = await createTestnet(6, t)
  const identity = newIdentity()
  const old = newPublisher(at(testnet.nodes, 0), { identity })
  for (const label of ['a', 'b', 'c', 'd']) await old.publishOwn(infohash(label))
  // A node that joined later does not hold seq 4, so a put of seq 1 is not refused everywhere.
  await testnet.add()

  const cleanup = teardown(t)
  const lonely = await createDht({ bootstrap: false, host: TESTNET_HOST, port: 0 })
  cleanup.push(async () => { await lonely.destroy() })
  failOnUnexpectedEvents(t, { lonely })
  const publisher = newPublisher(lonely, { identity, store: memoryPointerStore() })
  await publisher.start()
  assert.equal(publisher.lastOwn, null, 'no store and no network at start')

  const [bootstrap] = testnet.bootstrap
  const [host, port] = (bootstrap ?? '').split(':')
  lonely.addNode({ host: host ?? TESTNET_HOST, port: Number(port) })
  await until([lonely], 'node', () => lonely.nodeCount() > 0, WAIT_MS, 'the lonely node to join')
  const result = await publisher.publishOwn(infohash('fresh'))
  assert.equal(result.seq, 5, 'read before the put, so it continues after seq 4')
  assert.equal(pointed(await read(at(testnet.nodes, 2), ownSlot(identity.publisherId))), infohash('fresh'))
})

test('racing writers of the shared slot each read, merge and cas until every contribution is in', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const testnet = await createTestnet(6, t)
  const catalogs = new Catalogs()
  const shared = sharedSlot()

  // Two writers on an empty slot: no cas, the higher seq wins everywhere, the other merges.
  const first = ['a', 'b'].map((name, i) => ({ name, publisher: newPublisher(at(testnet.nodes, i)), merge: merger(catalogs, [name]) }))
  const wait2 = barrier(2)
  const results2 = await withTimeout(Promise.all(first.map(async w => await w.publisher.publishShared(racing(w.merge.hook, wait2)))),
    WAIT_MS, 'two racing writers')
  assertAllIn(results2)
  assert.ok(first.every(w => w.merge.calls[0] === null), 'both read an empty slot')
  assert.ok(sum(first.map(w => w.publisher.stats.put_conflicts)) >= 1, 'the loser noticed')
  assert.deepEqual(catalogs.entries(pointed(await read(at(testnet.nodes, 5), shared))), ['a', 'b'])

  // Three writers from one non-empty read: each puts with cas = that seq.
  const second = ['c', 'd', 'e'].map((name, i) => ({ name, publisher: newPublisher(at(testnet.nodes, i + 2)), merge: merger(catalogs, [name]) }))
  const wait3 = barrier(3)
  const results3 = await withTimeout(Promise.all(second.map(async w => await w.publisher.publishShared(racing(w.merge.hook, wait3)))),
    WAIT_MS, 'three racing writers')
  assertAllIn(results3)
  const base = second[0]?.merge.calls[0]
  assert.ok(base?.kind === 'pointer')
  assert.ok(second.every(w => w.merge.calls[0]?.seq === base.seq), 'all three read the same seq')
  assert.ok(sum(second.map(w => w.publisher.stats.put_conflicts)) >= 2, 'both losers noticed')

  const newcomer = await testnet.add()
  const final = await read(newcomer, shared)
  assert.deepEqual(catalogs.entries(pointed(final)), ['a', 'b', 'c', 'd', 'e'])
  for (const w of [...first, ...second]) assert.equal(w.publisher.stats.errors, 0)

  // Nothing new to add: nobody writes.
  const idle = newPublisher(at(testnet.nodes, 0))
  const unchanged = await idle.publishShared(async current => current)
  assert.deepEqual(unchanged, { status: 'unchanged', infohash: pointed(final), seq: final?.seq ?? null, attempts: 1 })
  const skipped = await idle.publishShared(async () => null)
  assert.equal(skipped.status, 'skipped')
  assert.equal(idle.stats.puts, 0)
})

test('when only stale nodes refuse the cas, the merged item is put again without cas', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const testnet = await createTestnet(6, t)
  const writer = at(testnet.nodes, 0)
  const shared = sharedSlot()
  await at(testnet.nodes, 1).putMutable({ seed: SHARED_SLOT_SEED, seq: 5, v: encodeSlotValue(infohash('five')) })
  // A writer does not store its own put; a replay from another node fills that gap.
  const five = at(testnet.nodes, 2).localMutable(shared.publicKey)
  assert.ok(five !== null)
  await at(testnet.nodes, 2).putSigned(five)
  for (const node of [testnet.bootstrapNode.dht, ...testnet.nodes]) assert.equal(node.localMutable(shared.publicKey)?.seq, 5)

  // Only the writer's node gets seq 7 (a put that reached one node): every other node still
  // holds seq 5 and refuses cas 7, while the writer reads 7 from its own store.
  const socket = createSocket('udp4')
  t.after(async () => { await new Promise<void>(resolve => { socket.close(() => { resolve() }) }) })
  socket.bind(0, TESTNET_HOST)
  await once(socket, 'listening')
  const port = writer.address()?.port ?? 0
  const ask = async (message: object): Promise<{ r?: { token?: Uint8Array }, e?: unknown }> => {
    const reply = once(socket, 'message') as Promise<[Buffer]>
    socket.send(bencode.encode({ t: Buffer.from('pp'), y: 'q', ...message }), port, TESTNET_HOST)
    const [datagram] = await withTimeout(reply, WAIT_MS, 'a KRPC reply')
    return bencode.decode(datagram) as { r?: { token?: Uint8Array } }
  }
  const id = Buffer.alloc(20, 9)
  const { r } = await ask({ q: 'get', a: { id, target: Buffer.from(shared.target, 'hex') } })
  const v = encodeSlotValue(infohash('seven'))
  const sig = Buffer.from(sign(signable({ seq: 7, v }), SHARED_SLOT_SEED))
  const put = await ask({ q: 'put', a: { id, token: r?.token, k: Buffer.from(shared.publicKey), seq: 7, sig, v } })
  assert.equal(put.e, undefined)
  // The writer now counts this socket as a node: answer it like one so its lookups do not wait.
  socket.on('message', (datagram, rinfo) => {
    const query = bencode.decode(datagram) as { t: Uint8Array, y: Uint8Array }
    if (Buffer.from(query.y).toString() === 'q') socket.send(bencode.encode({ t: query.t, y: 'r', r: { id } }), rinfo.port, rinfo.address)
  })
  assert.equal(writer.localMutable(shared.publicKey)?.seq, 7)
  assert.equal(at(testnet.nodes, 2).localMutable(shared.publicKey)?.seq, 5)

  const publisher = newPublisher(writer, { sharedAttempts: 1 })
  const result = await publisher.publishShared(async current => {
    assert.equal(current, infohash('seven'))
    return infohash('merged')
  })
  assert.deepEqual(result, { status: 'written', infohash: infohash('merged'), seq: nextSharedSeq(7, encodeSlotValue(infohash('merged')).ih), attempts: 1 })
  assert.equal(at(testnet.nodes, 2).localMutable(shared.publicKey)?.seq, result.seq, 'the stale nodes caught up')
  assert.equal(pointed(await read(at(testnet.nodes, 3), shared)), infohash('merged'))
})

function assertAllIn (results: SharedPublishResult[]): void {
  for (const result of results) assert.ok(result.status === 'written' || result.status === 'unchanged', `status ${result.status}`)
}

function sum (values: number[]): number {
  return values.reduce((a, b) => a + b, 0)
}

test('a writer that keeps losing gives up after the bounded rounds; stop() interrupts', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const testnet = await createTestnet(6, t)
  const rival = at(testnet.nodes, 5)
  const shared = sharedSlot()
  await rival.putMutable({ seed: SHARED_SLOT_SEED, seq: 1, v: encodeSlotValue(infohash('rival 1')) })

  // Each time our writer has read and merged, the rival writes first.
  let rivalWrites = 1
  const publisher = newPublisher(at(testnet.nodes, 0), { sharedAttempts: 3 })
  const result = await publisher.publishShared(async () => {
    const current = await read(rival, shared)
    assert.ok(current !== null)
    rivalWrites++
    await rival.putMutable({ seed: SHARED_SLOT_SEED, seq: current.seq + 1, cas: current.seq, v: encodeSlotValue(infohash(`rival ${rivalWrites}`)) })
    return infohash('ours')
  })
  assert.equal(result.status, 'gave_up')
  assert.equal(result.attempts, 3)
  assert.equal(publisher.stats.put_conflicts, 3)
  assert.equal(publisher.stats.puts, 0, 'every put met cas mismatches only')
  assert.equal(publisher.stats.errors, 1)
  assert.equal(pointed(await read(at(testnet.nodes, 1), shared)), infohash(`rival ${rivalWrites}`))

  const stopping = newPublisher(at(testnet.nodes, 1))
  await assert.rejects(stopping.publishShared(async () => {
    void stopping.stop()
    return infohash('never written')
  }), { code: 'interrupted' })
  await stopping.stop()
  await assert.rejects(stopping.publishShared(async () => null), { code: 'interrupted' })
  assert.equal(stopping.stats.puts, 0)
})

test('garbage in the shared slot is counted as unknown, never fatal, and overwritten with cas', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const testnet = await createTestnet(6, t)
  const attacker = at(testnet.nodes, 5)
  const shared = sharedSlot()
  const stats = createPointerStats()
  const reader = new PointerResolver({ dht: at(testnet.nodes, 4), stats })

  const garbage: Array<[number, unknown]> = [
    [100, GO_VALUE],
    [101, { ih: Buffer.alloc(19, 1) }],
    [102, [1, 2, 3]],
    [103, 7]
  ]
  for (const [seq, v] of garbage) {
    await attacker.putMutable({ seed: SHARED_SLOT_SEED, seq, v: v as Buffer })
    const got = await withTimeout(reader.resolve(shared), WAIT_MS, 'a read of the vandalised slot')
    assert.ok(got?.kind === 'unknown', `seq ${seq} is unknown`)
    assert.equal(got.seq, seq)
    assert.ok(got.reason.length > 0)
  }
  assert.equal(stats.unknown_values, garbage.length)
  assert.equal(stats.errors, 0)
  assert.equal(reader.latest(shared), null, 'garbage is never kept for replay')

  const catalogs = new Catalogs()
  const writer = merger(catalogs, ['honest'])
  const publisher = newPublisher(at(testnet.nodes, 0))
  const result = await publisher.publishShared(writer.hook)
  const ours = catalogs.publish(['honest'])
  assert.deepEqual(result, { status: 'written', infohash: ours, seq: nextSharedSeq(103, encodeSlotValue(ours).ih), attempts: 1 })
  assert.equal(writer.calls[0]?.kind, 'unknown', 'the hook saw the unknown value')
  assert.equal(writer.calls[0]?.seq, 103)
  assert.ok(publisher.stats.unknown_values >= 1, 'the writer counted it too')

  const got = await withTimeout(reader.resolve(shared), WAIT_MS, 'a read of the repaired slot')
  assert.equal(pointed(got), ours)
  assert.equal(stats.unknown_values, garbage.length)
})

test('a shared slot locked at the largest seq is left alone while own slots keep discovery going', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const testnet = await createTestnet(6, t)
  const attacker = at(testnet.nodes, 5)
  const shared = sharedSlot()
  await assert.rejects(attacker.putMutable({ seed: SHARED_SLOT_SEED, seq: 2 ** 63 - 1, v: encodeSlotValue(infohash('x')) }), { code: 'bad_request' },
    'our stack cannot even sign a seq above 2^53')
  await attacker.putMutable({ seed: SHARED_SLOT_SEED, seq: Number.MAX_SAFE_INTEGER, v: encodeSlotValue(infohash('attacker')) })
  assert.equal((await read(at(testnet.nodes, 1), shared))?.seq, Number.MAX_SAFE_INTEGER, 'the largest seq we carry reads fine')

  const identity = newIdentity()
  const publisher = newPublisher(at(testnet.nodes, 0), { identity })
  let hookCalls = 0
  const result = await publisher.publishShared(async () => { hookCalls++; return infohash('ours') })
  assert.deepEqual(result, { status: 'locked', infohash: infohash('attacker'), seq: Number.MAX_SAFE_INTEGER, attempts: 1 })
  assert.equal(hookCalls, 0, 'nothing is fetched or merged for a locked slot')
  assert.equal(publisher.stats.shared_locked, 1)
  assert.equal(publisher.stats.puts, 0)

  await publisher.publishOwn(infohash('ours'))
  const reader = await testnet.add()
  assert.equal(pointed(await read(reader, ownSlot(identity.publisherId))), infohash('ours'), 'discovery goes on through own slots')

  // Replaying the lock would keep it alive for the attacker.
  const republisher = new PointerRepublisher({ dht: at(testnet.nodes, 0), publisher, resolver: new PointerResolver({ dht: at(testnet.nodes, 0), stats: publisher.stats }), publishers: new PublisherSet() })
  const round = await withTimeout(republisher.republishNow(), WAIT_MS, 'a republish round')
  assert.deepEqual({ republished: round.republished, skipped: round.skipped, failed: round.failed }, { republished: 1, skipped: 1, failed: 0 })
})

test('foreign nodes holding a seq our stack cannot carry read as a lower seq, never a crash', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const testnet = await createTestnet(6, t)
  const shared = sharedSlot()
  const honest = newPublisher(at(testnet.nodes, 0))
  const written = await honest.publishShared(async () => infohash('honest'))
  assert.equal(written.status, 'written')

  // A node of another client (libtorrent keeps seq as int64) holding a validly signed item at
  // seq 2^63-1 under the shared key. bittorrent-dht cannot even send that seq (it bencodes the
  // rounded float as 0), so this node is a raw socket answering `get` as libtorrent would.
  const attack = { seq: '9223372036854775807', v: encodeSlotValue(infohash('locked forever')) }
  const signed = Buffer.concat([Buffer.from(`3:seqi${attack.seq}e1:v`), bencode.encode(attack.v)])
  const sig = Buffer.from(sign(signed, SHARED_SLOT_SEED))
  const foreignId = createHash('sha1').update('foreign node').digest()
  const foreign = createSocket('udp4')
  t.after(async () => { await new Promise<void>(resolve => { foreign.close(() => { resolve() }) }) })
  let answered = 0
  foreign.on('message', (datagram, rinfo) => {
    const query = bencode.decode(datagram) as { t: Uint8Array, q?: Uint8Array, a?: { target?: Uint8Array } }
    const isGet = Buffer.from(query.q ?? []).toString() === 'get' && Buffer.from(query.a?.target ?? []).toString('hex') === shared.target
    const r = isGet ? { id: foreignId, token: Buffer.from('tk'), k: Buffer.from(shared.publicKey), sig, seq: 0, v: attack.v } : { id: foreignId }
    let reply = Buffer.from(bencode.encode({ t: query.t, y: 'r', r }))
    if (isGet) {
      reply = Buffer.from(reply.toString('latin1').replace('3:seqi0e', `3:seqi${attack.seq}e`), 'latin1')
      answered++
    }
    foreign.send(reply, rinfo.port, rinfo.address)
  })
  foreign.bind(0, TESTNET_HOST)
  await once(foreign, 'listening')

  const reader = await testnet.add()
  reader.addNode({ host: TESTNET_HOST, port: foreign.address().port, id: foreignId })
  assert.ok(reader.nodes().some(node => node.id === foreignId.toString('hex')))
  const got = await read(reader, shared)
  assert.ok(answered > 0, 'the foreign node was asked and answered with seq 2^63-1')
  assert.equal(got?.seq, written.seq)
  assert.equal(pointed(got), infohash('honest'))
  assert.equal(reader.stats.warnings, 0)

  const next = await newPublisher(reader).publishShared(async () => infohash('honest 2'))
  assert.equal(next.status, 'written', 'a writer that knows the foreign node is not stopped by it')
  assert.equal(pointed(await read(reader, shared)), infohash('honest 2'))
})

test('the republisher puts held items back when every other node that stored them is gone', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const testnet = await createTestnet(5, t)
  const [p, a, r] = [at(testnet.nodes, 0), at(testnet.nodes, 1), at(testnet.nodes, 2)]
  const publisherP = newIdentity()
  await newPublisher(p, { identity: publisherP }).publishOwn(infohash('P catalog'))
  await newPublisher(a).publishShared(async () => infohash('shared catalog'))

  const stats = createPointerStats()
  const resolver = new PointerResolver({ dht: r, stats })
  const publisher = new PointerPublisher({ dht: r, keyPair: newIdentity(), resolver }, FAST)
  await publisher.publishOwn(infohash('R catalog'))
  const publishers = new PublisherSet({ pinned: [publisherP.publisherId] })
  const slots = [ownSlot(publisherP.publisherId), sharedSlot(), publisher.ownSlot]
  // Discovery has read them, as it would every refresh.
  const originals: MutableItem[] = []
  for (const slot of slots) {
    const got = await withTimeout(resolver.resolve(slot), WAIT_MS, 'a read')
    assert.ok(got?.kind === 'pointer')
    originals.push(got.item)
  }

  // Everyone else goes away, the bootstrap node and P included; newcomers join through R.
  for (const node of testnet.nodes) if (node !== r) await node.destroy()
  await testnet.bootstrapNode.stop()
  const newcomers = await joinThrough(t, r, 3)
  const holdsAll = (): boolean => newcomers.every(node => slots.every((slot, i) => {
    const item = node.localMutable(slot.publicKey, slot.salt)
    return item !== null && item.seq === originals[i]?.seq && hex(item.sig) === hex(originals[i]?.sig ?? new Uint8Array())
  }))
  assert.equal(holdsAll(), false)
  for (const node of newcomers) for (const slot of slots) assert.equal(node.localMutable(slot.publicKey, slot.salt), null)

  const republisher = new PointerRepublisher({ dht: r, publisher, resolver, publishers }, { intervalMs: 50, concurrency: 2 })
  t.after(async () => { await republisher.stop() })
  const rounds: RepublishRound[] = []
  republisher.on('round', round => { rounds.push(round) })
  republisher.start()
  republisher.start()
  await until([republisher], 'round', holdsAll, WAIT_MS, 'the newcomers to hold all three items')
  await republisher.stop()
  await republisher.stop()

  assert.ok(rounds.length >= 1)
  assert.deepEqual({ republished: rounds[0]?.republished, failed: rounds[0]?.failed }, { republished: 3, failed: 0 })
  assert.ok(stats.republished >= 3)
  const reader = at(newcomers, 2)
  assert.equal(pointed(await read(reader, slots[0] as Slot)), infohash('P catalog'))
  assert.equal(pointed(await read(reader, slots[1] as Slot)), infohash('shared catalog'))
  assert.equal(pointed(await read(reader, slots[2] as Slot)), infohash('R catalog'))
  const count = rounds.length
  assert.equal(rounds.length, count, 'no round after stop()')
})
