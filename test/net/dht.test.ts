import assert from 'node:assert/strict'
import { createSocket } from 'node:dgram'
import { once } from 'node:events'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import bencode from 'bencode'
import DHT from 'bittorrent-dht'
import { createBootstrapNode, NODE_ID_FILE, ROUTING_TABLE_FILE } from '../../bootstrap-node/bootstrap-node.js'
import { mutableTarget, signable } from '../../src/dht/bep44.js'
import { dhtOptions } from '../../src/dht/dht-options.js'
import { createDht, type MutableItem } from '../../src/dht/dht-node.js'
import { generateSeed, keyPairFromSeed, sign, verify } from '../../src/dht/ed25519.js'
import { SilmarilError } from '../../src/errors.js'
import { crashingQueries, getQuery, pingQuery } from '../helpers/krpc-datagrams.js'
import { createTestnet, TESTNET_HOST } from '../helpers/testnet.js'
import { teardown } from '../helpers/teardown.js'
import { failOnUnexpectedEvents } from '../helpers/unexpected-events.js'
import { until, withTimeout } from '../helpers/wait.js'

const TEST_TIMEOUT_MS = 60_000
const WAIT_MS = 10_000
const SALT = 'silmaril-discovery-v1'

function infohash (byte: number): Buffer {
  return Buffer.alloc(20, byte)
}

function pointedInfohash (item: MutableItem | null): string | undefined {
  const v = item?.v as { ih?: Uint8Array } | undefined
  return v?.ih === undefined ? undefined : Buffer.from(v.ih).toString('hex')
}

function isKrpcError (code: number): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof SilmarilError, `expected a SilmarilError, got ${String(err)}`)
    assert.equal(err.code, 'conflict')
    assert.equal(err.details?.['krpcCode'], code)
    assert.match(err.message, new RegExp(`\\b${code}\\b`))
    return true
  }
}

test('20 DHT nodes on a loopback testnet find each other', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const testnet = await createTestnet(20, t)
  const { nodes } = testnet
  const bootstrap = testnet.bootstrapNode.dht
  const minKnown = 10

  await until([bootstrap, ...nodes], 'node',
    () => bootstrap.nodeCount() === nodes.length && nodes.every(node => node.nodeCount() >= minKnown),
    WAIT_MS, `the bootstrap node to know all nodes and each node at least ${minKnown}`)

  const byId = new Map([bootstrap, ...nodes].map(node => [node.nodeId, node]))
  const reached = new Set([nodes[0]?.nodeId])
  const queue = [...reached]
  while (queue.length > 0) {
    const id = queue.shift()
    for (const peer of byId.get(id ?? '')?.nodes() ?? []) {
      assert.equal(peer.host, TESTNET_HOST)
      if (!reached.has(peer.id)) {
        reached.add(peer.id)
        queue.push(peer.id)
      }
    }
  }
  assert.equal(reached.size, byId.size, 'every node is reachable through the routing tables')
})

test('a salted mutable item is read by a newcomer, replaced with cas, and a stale cas is refused', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const testnet = await createTestnet(4, t)
  const writer = testnet.nodes[0]
  assert.ok(writer !== undefined)
  const keyPair = keyPairFromSeed(generateSeed())

  const first = await writer.putMutable({ keyPair, salt: SALT, seq: 1, v: { ih: infohash(1) } })
  assert.equal(first.target, Buffer.from(mutableTarget(keyPair.publicKey, SALT)).toString('hex'))
  assert.equal(first.seq, 1)
  assert.ok(first.nodes >= 1)
  assert.equal(testnet.bootstrapNode.dht.localMutable(keyPair.publicKey, SALT)?.seq, 1, 'the bootstrap node stores it')

  const reader = await testnet.add()
  assert.equal(reader.localMutable(keyPair.publicKey, SALT), null)
  const read = await withTimeout(reader.getMutable(keyPair.publicKey, SALT), WAIT_MS, 'get')
  assert.ok(read !== null)
  assert.equal(read.seq, 1)
  assert.equal(pointedInfohash(read), infohash(1).toString('hex'))
  assert.deepEqual(Buffer.from(read.k), Buffer.from(keyPair.publicKey))
  assert.equal(Buffer.from(read.salt).toString(), SALT)
  assert.equal(verify(read.sig, signable(read), read.k), true)
  assert.equal(await reader.getMutable(keyPair.publicKey), null, 'without the salt it is another target')

  const second = await writer.putMutable({ keyPair, salt: SALT, seq: 2, cas: 1, v: { ih: infohash(2) } })
  assert.equal(second.seq, 2)
  const reread = await withTimeout(reader.getMutable(keyPair.publicKey, SALT), WAIT_MS, 'get')
  assert.equal(reread?.seq, 2)
  assert.equal(pointedInfohash(reread), infohash(2).toString('hex'))

  await assert.rejects(writer.putMutable({ keyPair, salt: SALT, seq: 3, cas: 1, v: { ih: infohash(3) } }), isKrpcError(301))
  await assert.rejects(writer.putMutable({ keyPair, salt: SALT, seq: 2, v: { ih: infohash(3) } }), isKrpcError(302))
  const last = await withTimeout(reader.getMutable(keyPair.publicKey, SALT), WAIT_MS, 'get')
  assert.equal(pointedInfohash(last), infohash(2).toString('hex'), 'refused puts change nothing')
  assert.equal(writer.stats.putsSent, 2)
  assert.equal(writer.stats.putsFailed, 2)
})

test('a put with a bad signature is stored by no node', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const testnet = await createTestnet(3, t)
  const raw = new DHT(dhtOptions({ bootstrap: testnet.bootstrap, queryTimeoutMs: 500 }))
  t.after(async () => { await new Promise<void>(resolve => { raw.destroy(() => { resolve() }) }) })
  raw.listen(0, TESTNET_HOST)
  await withTimeout(new Promise(resolve => raw.once('ready', resolve)), WAIT_MS, 'the raw client to be ready')

  const owner = keyPairFromSeed(generateSeed())
  const v = { ih: infohash(7) }
  const message = signable({ salt: SALT, seq: 1, v })
  const good = sign(message, owner.secretSeed)
  const flipped = Buffer.from(good)
  flipped[0] = (flipped[0] ?? 0) ^ 0x01
  const forged = Buffer.from(sign(message, generateSeed()))

  for (const sig of [flipped, forged]) {
    const err = await withTimeout(new Promise<Error | null>(resolve => {
      raw.put({ k: Buffer.from(owner.publicKey), salt: Buffer.from(SALT), seq: 1, v, sig }, err => { resolve(err) })
    }), WAIT_MS, 'the raw put')
    assert.ok(err !== null, 'no node accepts the item')
  }
  for (const node of [testnet.bootstrapNode.dht, ...testnet.nodes]) {
    assert.equal(node.localMutable(owner.publicKey, SALT), null)
  }
  assert.equal(await testnet.nodes[0]?.getMutable(owner.publicKey, SALT), null)

  const item = { v, seq: 1, k: owner.publicKey, sig: flipped, salt: Buffer.from(SALT) }
  await assert.rejects(testnet.nodes[0]!.putSigned(item), { code: 'verification_failed' })
  const replayed = await testnet.nodes[1]!.putSigned({ ...item, sig: good })
  assert.ok(replayed.nodes >= 1, 'anyone may re-put a correctly signed item')
})

test('a restarted bootstrap node keeps its node id and re-adds its saved nodes', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const cleanup = teardown(t)
  const dataDir = await mkdtemp(join(tmpdir(), 'silmaril-bootstrap-'))
  cleanup.push(async () => { await rm(dataDir, { recursive: true, force: true }) })

  const first = createBootstrapNode({ host: TESTNET_HOST, port: 0, dataDir })
  cleanup.push(async () => { await first.stop() })
  failOnUnexpectedEvents(t, { 'first bootstrap node': first })
  const before = await first.start()
  assert.match(before.nodeId, /^[0-9a-f]{40}$/)
  assert.equal((await readFile(join(dataDir, NODE_ID_FILE), 'utf8')).trim(), before.nodeId)

  const member = await createDht({ bootstrap: [`${TESTNET_HOST}:${before.port}`], host: TESTNET_HOST, port: 0 })
  cleanup.push(async () => { await member.destroy() })
  failOnUnexpectedEvents(t, { member })
  await withTimeout(member.ready(), WAIT_MS, 'the member to be ready')
  await until([first.dht], 'node', () => first.dht.nodeCount() === 1, WAIT_MS, 'the bootstrap node to know the member')
  await first.stop()

  const saved = JSON.parse(await readFile(join(dataDir, ROUTING_TABLE_FILE), 'utf8')) as { nodes: Array<{ id: string }> }
  assert.deepEqual(saved.nodes.map(node => node.id), [member.nodeId])

  const second = createBootstrapNode({ host: TESTNET_HOST, port: 0, dataDir })
  cleanup.push(async () => { await second.stop() })
  failOnUnexpectedEvents(t, { 'second bootstrap node': second })
  const after = await second.start()
  assert.equal(after.nodeId, before.nodeId)
  await until([second.dht], 'node', () => second.dht.nodes().some(node => node.id === member.nodeId),
    WAIT_MS, 'the saved node to be re-added')
})

test('datagrams that would crash bittorrent-dht are dropped and the nodes keep answering', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const testnet = await createTestnet(1, t)
  const cleanup = teardown(t)
  const socket = createSocket('udp4')
  cleanup.push(async () => { await new Promise<void>(resolve => { socket.close(() => { resolve() }) }) })
  socket.bind(0, TESTNET_HOST)
  await once(socket, 'listening')
  const ask = async (datagram: Uint8Array, port: number): Promise<Record<string, unknown>> => {
    const reply = once(socket, 'message') as Promise<[Buffer]>
    socket.send(datagram, port, TESTNET_HOST)
    const [message] = await withTimeout(reply, WAIT_MS, 'a reply')
    return bencode.decode(message) as Record<string, unknown>
  }

  for (const node of [testnet.bootstrapNode.dht, ...testnet.nodes]) {
    const port = node.address()?.port ?? 0
    const { r } = await ask(getQuery(), port) as { r: { token: Uint8Array } }
    for (const datagram of Object.values(crashingQueries(r.token))) socket.send(datagram, port, TESTNET_HOST)
    const pong = await ask(pingQuery(), port)
    assert.equal(Buffer.from(pong['y'] as Uint8Array).toString(), 'r')
  }
})

test('a DHT port already taken is a network error naming the address and the likely cause', async t => {
  const first = await createDht({ bootstrap: false, host: TESTNET_HOST, port: 0 })
  t.after(async () => { await first.destroy() })
  const port = first.address()!.port
  await assert.rejects(createDht({ bootstrap: false, host: TESTNET_HOST, port }), (err: SilmarilError) => {
    assert.equal(err.code, 'network')
    assert.match(err.message, new RegExp(`^cannot listen for DHT traffic on ${TESTNET_HOST}:${port}: .*EADDRINUSE.* \\(is another node running on this port\\?\\)$`))
    return true
  })
})
