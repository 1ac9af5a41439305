import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseBootstrapArgs } from '../../bootstrap-node/args.js'
import { ItemStore } from '../../bootstrap-node/item-store.js'
import { RateLimiter } from '../../bootstrap-node/rate-limiter.js'
import { DEFAULT_BOOTSTRAP_NODES, parseHostPort, PROJECT_BOOTSTRAP_NODES, PUBLIC_BOOTSTRAP_NODES } from '../../src/dht/bootstrap-list.js'
import { DEFAULTS as CONFIG_DEFAULTS } from '../../src/config/schema.js'

test('a rate limiter allows a burst, refills at its rate, and keeps addresses apart', () => {
  let now = 0
  const limiter = new RateLimiter({ ratePerSecond: 10, now: () => now })
  const taken = Array.from({ length: 25 }, () => limiter.take('a')).filter(Boolean).length
  assert.equal(taken, 20, 'the burst is twice the rate')
  assert.equal(limiter.take('b'), true, 'another address has its own bucket')
  now += 500
  assert.equal(Array.from({ length: 10 }, () => limiter.take('a')).filter(Boolean).length, 5, 'half a second refills half the rate')
  assert.equal(new RateLimiter({ ratePerSecond: 0 }).take('a', 1e9), true, '0 is unlimited')
})

test('a rate limiter forgets the least recently seen address when full', () => {
  const limiter = new RateLimiter({ ratePerSecond: 1, burst: 1, maxAddresses: 2, now: () => 0 })
  limiter.take('a')
  limiter.take('b')
  limiter.take('a')
  limiter.take('c')
  assert.equal(limiter.size, 2)
  assert.equal(limiter.take('a'), false, 'a was seen recently and is still empty')
  assert.equal(limiter.take('b'), true, 'b was forgotten: a fresh bucket')
})

test('the item store caps items per key and per address, and evicts the least recently used', () => {
  const store = new ItemStore({ maxItems: 3, maxItemsPerKey: 2, maxItemsPerAddress: 2 })
  const k = (n: number): Buffer => Buffer.alloc(32, n)
  const item = (key: Buffer | undefined) => ({ v: Buffer.from('v'), id: Buffer.alloc(20), ...key === undefined ? {} : { k: key, sig: Buffer.alloc(64), seq: 1 } })
  const put = (target: string, key: Buffer | undefined, address: string): string => {
    const refusal = store.admit(target, key, address)
    if (refusal !== null) return refusal
    store.source = address
    store.set(target, item(key))
    store.source = 'self'
    return 'stored'
  }
  assert.equal(put('t1', k(1), '10.0.0.1'), 'stored')
  assert.equal(put('t2', k(1), '10.0.0.2'), 'stored')
  assert.equal(put('t3', k(1), '10.0.0.3'), 'key_cap')
  assert.equal(put('t1', k(1), '10.0.0.3'), 'stored', 'replacing a held item is not a new item')
  assert.equal(put('t4', k(2), '10.0.0.2'), 'stored')
  assert.equal(put('t5', k(3), '10.0.0.2'), 'address_cap')
  assert.equal(put('t6', undefined, '10.0.0.4'), 'stored', 'an immutable item counts under its address')
  assert.equal(store.size, 3)
  assert.equal(store.evicted, 1)
  assert.equal(store.peek('t2'), undefined, 't2 was the least recently used')
})

test('the item store gives an item read since the last eviction a second chance', () => {
  const store = new ItemStore({ maxItems: 3, maxItemsPerKey: 100, maxItemsPerAddress: 100 })
  const item = { v: Buffer.from('v'), id: Buffer.alloc(20) }
  for (const key of ['a', 'b', 'c']) store.set(key, item)
  assert.ok(store.get('a') !== undefined)
  store.set('d', item)
  assert.deepEqual([...store.entries()].map(([key]) => key), ['c', 'd', 'a'], 'b went; a, read, moved to the back')
  store.set('e', item)
  assert.deepEqual([...store.entries()].map(([key]) => key), ['d', 'a', 'e'], 'c, never read, went next')
  assert.ok(store.peek('d') !== undefined)
  store.set('f', item)
  assert.equal(store.peek('d'), undefined, 'a peek is not a read')
  assert.equal(store.evicted, 3)
})

test('the item store gives back every field it was given, copied out of the datagram', () => {
  const store = new ItemStore({ maxItems: 10, maxItemsPerKey: 10, maxItemsPerAddress: 10 })
  const datagram = Buffer.from(Array.from({ length: 200 }, (_, i) => i))
  const mutable = { v: { ih: datagram.subarray(0, 20), n: 7, list: [Buffer.from('a'), -3, { x: Buffer.alloc(0) }] }, id: datagram.subarray(20, 40), k: datagram.subarray(40, 72), sig: datagram.subarray(72, 136), seq: 12, salt: datagram.subarray(136, 140) }
  const immutable = { v: Buffer.from('hello'), id: Buffer.alloc(20, 9) }
  const unsalted = { v: Buffer.from('x'), id: Buffer.alloc(20, 1), k: Buffer.alloc(32, 2), sig: Buffer.alloc(64, 3), seq: 0 }
  store.set('m', mutable)
  store.set('i', immutable)
  store.set('u', unsalted)
  const expected = structuredClone(mutable)
  datagram.fill(0)
  const round = (item: unknown): unknown => JSON.parse(JSON.stringify(item))
  assert.deepEqual(round(store.get('m')), round({ ...expected, v: { ih: Buffer.from(expected.v.ih), n: 7, list: [Buffer.from('a'), -3, { x: Buffer.alloc(0) }] }, id: Buffer.from(expected.id), k: Buffer.from(expected.k), sig: Buffer.from(expected.sig), salt: Buffer.from(expected.salt) }))
  assert.deepEqual(round(store.peek('i')), round(immutable))
  assert.deepEqual(round(store.peek('u')), round(unsalted))
  assert.equal(store.peek('u')?.salt, undefined, 'no salt stays no salt')
  assert.equal(store.seq('m'), 12)
  assert.equal(store.seq('i'), undefined)
  assert.equal(store.seq('gone'), undefined)
})

test('silmaril-bootstrap arguments: keeper on by default, limits on, clear usage errors', () => {
  const parsed = parseBootstrapArgs(['--data', '/tmp/x', '--port', '0'])
  assert.ok(!parsed.help)
  assert.notEqual(parsed.init.keeper, false)
  assert.equal(parsed.init.rateLimit, 100)
  assert.equal(parsed.init.metrics, false)
  const bare = parseBootstrapArgs(['--data', '/tmp/x', '--no-keeper', '--metrics-port', '9464'])
  assert.ok(!bare.help && bare.init.keeper === false)
  assert.deepEqual(!bare.help && bare.init.metrics, { host: '127.0.0.1', port: 9464 })
  const short = parseBootstrapArgs(['--republish-interval', '1.5', '--refresh-interval', '2'])
  assert.ok(!short.help && short.init.keeper !== false && short.init.keeper?.republishIntervalMs === 1500)
  for (const [args, message] of [
    [['--no-keeper', '--publisher', 'ab'], /--publisher configures the catalog keeper/],
    [['--publisher', 'xyz'], /--publisher must be a publisher id of 64 hex characters/],
    [['--rate-limit=-1'], /--rate-limit must be a whole number/],
    [['--republish-interval', '0'], /--republish-interval must be a number of seconds/],
    [['--bootstrap', 'nohost'], /invalid address "nohost"/],
    [['--metrics-host', '127.0.0.1'], /--metrics-host needs --metrics-port/]
  ] as const) {
    assert.throws(() => parseBootstrapArgs([...args]), (err: Error & { code?: string }) => err.code === 'usage' && message.test(err.message))
  }
})

test('the default bootstrap list puts the project\'s nodes (none yet) before the public routers', () => {
  assert.deepEqual(DEFAULT_BOOTSTRAP_NODES, [...PROJECT_BOOTSTRAP_NODES, ...PUBLIC_BOOTSTRAP_NODES])
  assert.deepEqual(CONFIG_DEFAULTS.network.bootstrap_nodes, DEFAULT_BOOTSTRAP_NODES)
  for (const entry of DEFAULT_BOOTSTRAP_NODES) parseHostPort(entry)
})
