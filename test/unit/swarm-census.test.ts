import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SwarmCensus } from '../../src/dht/swarm-census.js'

/** A lookup the test answers by hand, recording what was asked. */
function fakeDht (): { asked: string[], running: () => number, answer: (infohash: string, peers: string[] | Error) => Promise<void>, findPeers: (infohash: string) => Promise<string[]> } {
  const asked: string[] = []
  const pending = new Map<string, { resolve: (p: string[]) => void, reject: (e: Error) => void }>()
  return {
    asked,
    running: () => pending.size,
    findPeers: async infohash => {
      asked.push(infohash)
      return await new Promise((resolve, reject) => { pending.set(infohash, { resolve, reject }) })
    },
    answer: async (infohash, peers) => {
      const p = pending.get(infohash)
      assert.ok(p !== undefined, `no lookup of ${infohash} is running`)
      pending.delete(infohash)
      if (peers instanceof Error) p.reject(peers)
      else p.resolve(peers)
      await new Promise(resolve => setImmediate(resolve))
    }
  }
}

test('counts are looked up a few at a time, in the order asked, once each', async () => {
  const dht = fakeDht()
  const census = new SwarmCensus({ findPeers: dht.findPeers }, { concurrency: 2 })
  census.request(['a', 'b', 'c', 'a'])
  census.request(['b'])
  assert.deepEqual(dht.asked, ['a', 'b'])
  assert.equal(census.count('a'), undefined, 'nothing is known before the lookup answers')
  await dht.answer('a', ['1.2.3.4:1', '5.6.7.8:2'])
  assert.equal(census.count('a')?.peers, 2)
  assert.deepEqual(dht.asked, ['a', 'b', 'c'])
  await dht.answer('b', [])
  await dht.answer('c', ['1.2.3.4:1'])
  assert.equal(census.count('b')?.peers, 0)
  assert.equal(census.count('c')?.peers, 1)
  assert.equal(dht.running(), 0)
})

test('a count is fresh for its TTL, then looked up again; a failed lookup leaves the old count', async () => {
  let now = 1000
  const dht = fakeDht()
  const census = new SwarmCensus({ findPeers: dht.findPeers, now: () => now }, { ttlMs: 60_000 })
  census.request(['a'])
  await dht.answer('a', ['x:1'])
  now += 59_000
  census.request(['a'])
  assert.deepEqual(dht.asked, ['a'])
  now += 2000
  census.request(['a'])
  assert.deepEqual(dht.asked, ['a', 'a'])
  await dht.answer('a', new Error('the DHT node is stopped'))
  assert.equal(census.count('a')?.peers, 1)
  census.request(['a'])
  assert.deepEqual(dht.asked, ['a', 'a', 'a'], 'a failure is tried again on the next request')
})

test('memory is bounded: the oldest counts go, the queue has a cap, and stop ends it all', async () => {
  const dht = fakeDht()
  const census = new SwarmCensus({ findPeers: dht.findPeers }, { concurrency: 1, maxEntries: 2, maxQueued: 2 })
  census.request(['a', 'b', 'c', 'd', 'e'])
  assert.deepEqual(dht.asked, ['a'])
  await dht.answer('a', [])
  await dht.answer('b', [])
  assert.deepEqual(dht.asked, ['a', 'b'], 'c, d and e were beyond the queue cap')
  census.request(['c'])
  await dht.answer('c', [])
  assert.equal(census.count('a'), undefined, 'the oldest count was forgotten')
  assert.equal(census.count('b')?.peers, 0)
  assert.equal(census.count('c')?.peers, 0)
  census.request(['d'])
  census.stop()
  await dht.answer('d', ['x:1'])
  assert.equal(census.count('d'), undefined, 'an answer after stop is dropped')
  census.request(['e'])
  assert.deepEqual(dht.asked, ['a', 'b', 'c', 'd'])
})
