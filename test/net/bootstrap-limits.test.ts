import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { createBootstrapNode, type BootstrapNode, type BootstrapNodeInit } from '../../bootstrap-node/bootstrap-node.js'
import { createDht } from '../../src/dht/dht-node.js'
import { createKrpcClient, signedPut, type KrpcClient } from '../helpers/krpc-client.js'
import { teardown, type Teardown } from '../helpers/teardown.js'
import { failOnUnexpectedEvents } from '../helpers/unexpected-events.js'
import { withTimeout } from '../helpers/wait.js'

const TEST_TIMEOUT_MS = 60_000
const WAIT_MS = 10_000
const RATE = 50
const BURST = 2 * RATE
const PUT_RATE = 5
const FLOOD = 3000
const PUT_FLOOD = 60

async function startNode (t: TestContext, cleanup: Teardown, init: Omit<BootstrapNodeInit, 'dataDir'>): Promise<{ node: BootstrapNode, port: number }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'silmaril-bootstrap-limits-'))
  cleanup.push(async () => { await rm(dataDir, { recursive: true, force: true }) })
  const node = createBootstrapNode({ host: '127.0.0.1', port: 0, dataDir, ...init })
  cleanup.push(async () => { await node.stop() })
  failOnUnexpectedEvents(t, { 'bootstrap node': node })
  const { port } = await node.start()
  return { node, port }
}

async function client (cleanup: Teardown, host: string, port: number): Promise<KrpcClient> {
  const krpc = await createKrpcClient(host, { host: '127.0.0.1', port })
  cleanup.push(async () => { await krpc.close() })
  return krpc
}

async function token (krpc: KrpcClient): Promise<Uint8Array> {
  const reply = await krpc.query('get', { target: Buffer.alloc(20, 9) })
  const value = reply?.r?.['token']
  assert.ok(value instanceof Uint8Array, 'a get answers with a write token')
  return value
}

const seed = (n: number): Uint8Array => new Uint8Array(32).fill(n)

test('a client flooding queries is held to its rate while other addresses are still answered', { timeout: TEST_TIMEOUT_MS }, async t => {
  const cleanup = teardown(t)
  const { node, port } = await startNode(t, cleanup, { rateLimit: RATE, putRateLimit: PUT_RATE })
  const stats = node.guardStats

  const flooder = await client(cleanup, '127.0.0.2', port)
  const neighbour = await client(cleanup, '127.0.0.3', port)
  const started = Date.now()
  await flooder.flood(FLOOD, () => ({ q: 'ping', a: {} }))
  // The node reads one receive queue in order: once a later ping from elsewhere is answered, the
  // flood has been handled (or dropped by the kernel when the queue overflowed, never seen).
  assert.notEqual(await neighbour.query('ping', {}), null, 'another address is answered right after the flood')
  const elapsedS = (Date.now() - started) / 1000
  const answered = stats.queries.ping - 1
  const arrived = answered + stats.rateLimited
  const allowed = BURST + RATE * (elapsedS + 1)
  assert.ok(arrived > allowed, `the flood must outrun the limit to test it: ${arrived} arrived, ${allowed.toFixed(0)} allowed`)
  assert.ok(answered >= 1 && answered <= allowed, `answered ${answered} of ${arrived} pings; the bucket allows at most ${allowed.toFixed(0)} in ${elapsedS.toFixed(2)} s`)
  assert.ok(flooder.replies <= answered)

  const member = await createDht({ bootstrap: [`127.0.0.1:${port}`], host: '127.0.0.1', port: 0 })
  cleanup.push(async () => { await member.destroy() })
  await withTimeout(member.ready(), WAIT_MS, 'a node to join during the flooder\'s penalty')
  assert.equal(member.nodeCount(), 1, 'the joining node found the bootstrap node')

  // Puts pay twice: once per datagram, once per put. One key, rising seq: only the put limit bites.
  const putter = await client(cleanup, '127.0.0.4', port)
  const writeToken = await token(putter)
  const putsStarted = Date.now()
  const putsBefore = stats.queries.put
  await putter.flood(PUT_FLOOD, i => ({ q: 'put', a: signedPut(seed(1), writeToken, { seq: i + 1 }) }))
  assert.notEqual(await neighbour.query('ping', {}), null)
  const putsElapsedS = (Date.now() - putsStarted) / 1000
  const putsAllowed = 2 * PUT_RATE + PUT_RATE * (putsElapsedS + 1)
  const putsArrived = stats.queries.put - putsBefore
  const stored = putsArrived - stats.putsRateLimited
  assert.ok(putsArrived > putsAllowed, `${putsArrived} puts arrived, ${putsAllowed.toFixed(0)} allowed`)
  assert.ok(stored >= 1 && stored <= putsAllowed, `${stored} of ${putsArrived} puts got through; the put bucket allows at most ${putsAllowed.toFixed(0)}`)
  assert.equal(node.store.size, 1, 'one key, one item')
})

test('one key and one address can fill only their share of the store; bad signatures are refused and counted', { timeout: TEST_TIMEOUT_MS }, async t => {
  const cleanup = teardown(t)
  const { node, port } = await startNode(t, cleanup, { maxItemsPerKey: 2, maxItemsPerAddress: 3 })
  const stats = node.guardStats
  const writer = await client(cleanup, '127.0.0.5', port)
  const writeToken = await token(writer)
  const put = async (a: Record<string, unknown>): Promise<string> => {
    const reply = await writer.query('put', a)
    if (reply === null) return 'no reply'
    return reply.y === 'r' ? 'stored' : `error ${String(reply.e?.[0])}: ${Buffer.from(reply.e?.[1] ?? '').toString()}`
  }

  assert.equal(await put(signedPut(seed(2), writeToken, { salt: 'a' })), 'stored')
  assert.equal(await put(signedPut(seed(2), writeToken, { salt: 'b' })), 'stored')
  assert.equal(await put(signedPut(seed(2), writeToken, { salt: 'c' })), 'error 201: too many items for this key')
  assert.equal(await put(signedPut(seed(2), writeToken, { salt: 'a', seq: 2 })), 'stored', 'updating an item already held is never capped')
  assert.equal(await put(signedPut(seed(3), writeToken)), 'stored')
  assert.equal(await put(signedPut(seed(4), writeToken)), 'error 201: too many items from this address')
  assert.equal(node.store.size, 3)
  assert.deepEqual(stats.rejected, { bad_signature: 0, key_cap: 1, address_cap: 1 })
  assert.equal(await put(signedPut(seed(3), writeToken)), 'error 302: sequence number less than current', 'a republished identical item')
  assert.equal(await put({ ...signedPut(seed(3), writeToken), cas: 7, seq: 9 }), 'error 301: CAS mismatch, re-read and try again')
  assert.equal(stats.stalePuts, 2, 'both answered from the held item, without a signature check')

  const other = await client(cleanup, '127.0.0.6', port)
  const otherToken = await token(other)
  const forged = { ...signedPut(seed(5), otherToken), sig: Buffer.alloc(64, 1) }
  assert.equal((await other.query('put', forged, 500)), null, 'a put with a bad signature gets no reply (BEP 44)')
  assert.equal(stats.rejected.bad_signature, 1)
  const reply = await other.query('put', signedPut(seed(5), otherToken))
  assert.equal(reply?.y, 'r', 'another address still has room')
  assert.equal(node.store.size, 4)
})
