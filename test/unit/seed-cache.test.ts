import assert from 'node:assert/strict'
import { test } from 'node:test'
import CacheChunkStore from 'cache-chunk-store'

// cache-chunk-store is patched (patches/cache-chunk-store+*.patch): a chunk leaves the cache once
// every byte of it has been served, so a seed's chunk buffers die young instead of piling up as
// external memory. These tests pin what a seed relies on: right bytes, one read per chunk while
// its blocks are asked for, and a chunk read again (not lost) after it has been served whole.

const CHUNK = 64
const BLOCK = 16

class CountingStore {
  readonly chunkLength = CHUNK
  readonly reads: number[] = []
  readonly chunks = new Map<number, Uint8Array>()

  get (index: number, optsOrCb: unknown, maybeCb?: (err: Error | null, buf?: Uint8Array) => void): void {
    const cb = typeof optsOrCb === 'function' ? optsOrCb as typeof maybeCb & {} : maybeCb
    if (cb === undefined) throw new Error('get without a callback')
    this.reads.push(index)
    const chunk = this.chunks.get(index)
    queueMicrotask(() => { if (chunk === undefined) cb(new Error(`no chunk ${index}`)); else cb(null, new Uint8Array(chunk)) })
  }

  put (index: number, buf: Uint8Array, cb: (err: Error | null) => void = () => {}): void {
    this.chunks.set(index, new Uint8Array(buf))
    queueMicrotask(() => { cb(null) })
  }

  close (cb: (err: Error | null) => void = () => {}): void { cb(null) }
  destroy (cb: (err: Error | null) => void = () => {}): void { cb(null) }
}

function chunkOf (index: number): Uint8Array {
  return Uint8Array.from({ length: CHUNK }, (_, i) => (index * 31 + i) & 0xff)
}

async function get (store: CacheChunkStore, index: number, offset: number, length: number): Promise<Uint8Array> {
  return await new Promise((resolve, reject) => {
    store.get(index, { offset, length }, (err, buf) => { if (err !== null || buf === undefined) reject(err ?? new Error('no buffer')); else resolve(buf) })
  })
}

async function setup (chunks: number): Promise<{ raw: CountingStore, cache: CacheChunkStore }> {
  const raw = new CountingStore()
  for (let i = 0; i < chunks; i++) raw.put(i, chunkOf(i))
  return { raw, cache: new CacheChunkStore(raw, { max: 20 }) }
}

test('the blocks of a chunk are served from one read, and the chunk is read again once served whole', async () => {
  const { raw, cache } = await setup(2)
  for (let offset = 0; offset < CHUNK; offset += BLOCK) {
    assert.deepEqual(await get(cache, 0, offset, BLOCK), chunkOf(0).subarray(offset, offset + BLOCK))
  }
  assert.deepEqual(raw.reads, [0], 'one read for all four blocks')
  assert.deepEqual(await get(cache, 0, 0, BLOCK), chunkOf(0).subarray(0, BLOCK), 'a second peer asking for the chunk still gets it')
  assert.deepEqual(raw.reads, [0, 0], 'served whole, the chunk had left the cache')
})

test('blocks asked for at once, before the first read returns, share that read', async () => {
  const { raw, cache } = await setup(1)
  const blocks = await Promise.all([0, 1, 2, 3].map(async b => await get(cache, 0, b * BLOCK, BLOCK)))
  blocks.forEach((block, b) => { assert.deepEqual(block, chunkOf(0).subarray(b * BLOCK, (b + 1) * BLOCK)) })
  assert.deepEqual(raw.reads, [0])
  await get(cache, 0, 0, BLOCK)
  assert.deepEqual(raw.reads, [0, 0])
})

test('two peers on interleaved chunks: each chunk stays cached until all of it was served', async () => {
  const { raw, cache } = await setup(2)
  for (let offset = 0; offset < CHUNK; offset += BLOCK) {
    for (const index of [0, 1]) assert.deepEqual(await get(cache, index, offset, BLOCK), chunkOf(index).subarray(offset, offset + BLOCK))
  }
  assert.deepEqual(raw.reads, [0, 1])
})

test('a chunk written again is read from the store, not from a stale cache entry', async () => {
  const { raw, cache } = await setup(1)
  await get(cache, 0, 0, BLOCK)
  const changed = new Uint8Array(CHUNK).fill(7)
  await new Promise<void>((resolve, reject) => { cache.put(0, changed, err => { if (err === null) resolve(); else reject(err) }) })
  assert.deepEqual(await get(cache, 0, BLOCK, BLOCK), changed.subarray(BLOCK, 2 * BLOCK))
  assert.deepEqual(raw.reads, [0, 0])
})
