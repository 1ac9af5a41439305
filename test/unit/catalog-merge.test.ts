import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { Catalog, catalogBytes, verifyEntry, type CatalogEntry, type CatalogInit, type LiveEntry, type MergeResult } from '../../src/catalog/index.js'
import { at, batchArb, buildRecord, expectedState, fields, GENUINE_KINDS, liveEntry, NOW, NOW_MS, publisher, tombstone, type RecordSpec } from '../helpers/catalog-fixtures.js'

const RUNS = 150

function catalog (init: CatalogInit = {}): Catalog {
  return new Catalog({ now: () => NOW_MS, ...init })
}

/** A catalog holding what merging the batches in order gives. */
function merged (batches: ReadonlyArray<readonly unknown[]>, init?: CatalogInit): Catalog {
  const c = catalog(init)
  for (const batch of batches) c.merge(batch)
  return c
}

/** The state of a catalog, as its file. */
function state (c: Catalog): string {
  return Buffer.from(c.toBytes()).toString()
}

/** The join of two states: a fresh catalog that merged both. */
function join (a: Catalog, b: Catalog, init?: CatalogInit): Catalog {
  return merged([[...a.records()], [...b.records()]], init)
}

const records = (specs: readonly RecordSpec[]): unknown[] => specs.map(buildRecord)

// Small limits too, so the per-publisher limit takes part in every law.
const limitArb = fc.constantFrom(1, 2, 3, 1000)

test('merge is commutative: the order of two merges does not matter', () => {
  fc.assert(fc.property(batchArb, batchArb, limitArb, (a, b, max) => {
    const init = { limits: { maxEntriesPerPublisher: max } }
    assert.equal(state(merged([records(a), records(b)], init)), state(merged([records(b), records(a)], init)))
    const [x, y] = [merged([records(a)], init), merged([records(b)], init)]
    assert.equal(state(join(x, y, init)), state(join(y, x, init)))
  }), { numRuns: RUNS })
})

test('merge is associative: grouping does not matter', () => {
  fc.assert(fc.property(batchArb, batchArb, batchArb, limitArb, (a, b, c, max) => {
    const init = { limits: { maxEntriesPerPublisher: max } }
    const [x, y, z] = [a, b, c].map(batch => merged([records(batch)], init)) as [Catalog, Catalog, Catalog]
    assert.equal(state(join(join(x, y, init), z, init)), state(join(x, join(y, z, init), init)))
  }), { numRuns: RUNS })
})

test('merge is idempotent: merging what is held changes nothing', () => {
  fc.assert(fc.property(batchArb, batchArb, limitArb, (a, b, max) => {
    const init = { limits: { maxEntriesPerPublisher: max } }
    const c = merged([records(a), records(b)], init)
    const before = state(c)
    for (const batch of [[...c.records()], records(a), records(b)]) {
      const result = c.merge(batch)
      assert.equal(result.changed, false)
      assert.equal(result.added + result.updated + result.revoked, 0)
    }
    assert.equal(state(c), before)
    assert.equal(state(join(c, c, init)), before)
  }), { numRuns: RUNS })
})

test('any interleaving of the same records gives the state the reference semantics give', () => {
  fc.assert(fc.property(fc.array(batchArb, { maxLength: 4 }), limitArb, fc.infiniteStream(fc.nat()), (batches, max, randoms) => {
    const all = batches.flat()
    const shuffled = [...all]
    const next = randoms[Symbol.iterator]()
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = next.next().value as number % (i + 1)
      ;[shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!]
    }
    const init = { limits: { maxEntriesPerPublisher: max } }
    const expected = Buffer.from(catalogBytes(expectedState(all, max))).toString()
    assert.equal(state(merged(batches.map(records), init)), expected)
    assert.equal(state(merged([records(shuffled)], init)), expected)
    assert.equal(state(merged(shuffled.map(spec => [buildRecord(spec)]), init)), expected, 'one at a time')
  }), { numRuns: RUNS })
})

test('no entry that fails verification is ever merged', () => {
  fc.assert(fc.property(batchArb, batchArb, (a, b) => {
    const c = merged([records(a), records(b)])
    const genuine = new Set([...a, ...b].filter(spec => GENUINE_KINDS.has(spec.kind)).map(spec => (buildRecord(spec) as CatalogEntry).signature))
    for (const entry of c.records()) {
      assert.ok(genuine.has(entry.signature))
      assert.ok(verifyEntry(entry, { now: NOW_MS }).ok)
    }
    const counted = (result: MergeResult): number => result.rejected.bad_signature + result.rejected.malformed + result.rejected.from_future
    const bad = [...a, ...b].filter(spec => !GENUINE_KINDS.has(spec.kind)).length
    const fresh = catalog()
    const result = fresh.merge([...records(a), ...records(b)])
    assert.ok(counted(result) + result.rejected.stale + result.rejected.duplicate >= bad, 'every bad record is counted')
  }), { numRuns: RUNS })
})

test('counts: added, updated, revoked, duplicate, stale and every rejection', () => {
  const c = catalog()
  const v1 = liveEntry(1, fields(1), at(-2000))
  const v2 = liveEntry(1, fields(1, { description: 'second' }), at(-1000))
  const other = liveEntry(2, fields(2), at(-1000))
  let result = c.merge([v1, other])
  assert.deepEqual({ ...result, rejected: undefined }, { added: 2, updated: 0, revoked: 0, changed: true, rejected: undefined })
  result = c.merge([v2, v1, v1])
  assert.equal(result.updated, 1)
  assert.equal(result.rejected.duplicate, 2, 'compared with what was held when the merge began')
  assert.equal(c.merge([v1]).rejected.stale, 1)
  result = c.merge([v2, { ...v2, description: 'tampered, same signature' }])
  assert.equal(result.rejected.duplicate, 2)
  assert.equal((c.get(v2.publisher, v2.name, v2.revision) as LiveEntry).description, 'second', 'the held copy stays')
  result = c.merge([tombstone(1, v2.name, 'main', at(0)), tombstone(1, 'org/never-seen', 'main', at(0))])
  assert.equal(result.revoked, 2)
  result = c.merge([
    { ...liveEntry(3, fields(3), NOW), description: 'tampered' },
    liveEntry(3, fields(3, { name: 'Bad Name' }), NOW),
    42,
    liveEntry(3, fields(3, { description: '😀'.repeat(280), tags: Array.from({ length: 32 }, (_, i) => `tag-${i}-${'x'.repeat(25)}`) }), NOW),
    liveEntry(3, fields(4), at(2 * 24 * 3_600_000))
  ])
  assert.deepEqual(result.rejected, { bad_signature: 1, malformed: 2, oversized: 1, from_future: 1, over_publisher_limit: 0, blocked: 0, duplicate: 0, stale: 0 })
  assert.equal(result.changed, false)
  assert.equal(c.size, 3)
  assert.equal(c.liveSize, 1)
})

test('a tombstone removes older entries from results but stays to propagate; a newer entry revives', () => {
  const c = catalog()
  const entry = liveEntry(1, fields(1), at(-2000))
  const dead = tombstone(1, entry.name, entry.revision, at(-1000))
  c.merge([dead])
  c.merge([entry])
  assert.equal([...c.live()].length, 0, 'an entry older than a held tombstone stays dead')
  assert.deepEqual([...c.records()], [dead])
  const tie = liveEntry(1, fields(1, { description: 'same time as the tombstone' }), at(-1000))
  assert.equal(c.merge([tie]).rejected.stale, 1, 'at the same time, the tombstone wins')
  const revived = liveEntry(1, fields(1, { description: 'back' }), at(0))
  assert.equal(c.merge([revived]).updated, 1)
  assert.deepEqual([...c.live()], [revived])
  assert.equal(c.liveSize, 1)
})

test('ties on updated are broken by the larger signature, the same way on every node', () => {
  const a = liveEntry(1, fields(1, { description: 'a' }), NOW)
  const b = liveEntry(1, fields(1, { description: 'b' }), NOW)
  const winner = a.signature > b.signature ? a : b
  assert.deepEqual([...merged([[a], [b]]).records()], [winner])
  assert.deepEqual([...merged([[b], [a]]).records()], [winner])
})

test('per publisher, the newest entries are kept and the excess is dropped and counted', () => {
  const c = catalog({ limits: { maxEntriesPerPublisher: 3 } })
  const entries = [0, 1, 2, 3, 4].map(i => liveEntry(1, fields(i), at(-10_000 + i)))
  let result = c.merge([...entries, liveEntry(2, fields(9), NOW)])
  assert.equal(result.added, 4)
  assert.equal(result.rejected.over_publisher_limit, 2)
  assert.deepEqual([...c.records()].filter(e => e.publisher === publisher(1).publisherId).map(e => e.name).sort(), ['org2/model-2', 'org3/model-3', 'org4/model-4'])
  result = c.merge(entries.slice(0, 2))
  assert.equal(result.rejected.over_publisher_limit, 2, 'too old to enter: refused before any signature check')
  assert.equal(result.changed, false)
  result = c.merge([tombstone(1, 'org/new', 'main', at(0))])
  assert.equal(result.revoked, 1)
  assert.equal(result.rejected.over_publisher_limit, 1, 'a held entry pushed out counts too')
  assert.equal(result.changed, true)
  assert.equal(c.size, 4)
})

test('over the limit, forgeries older than what is held cost no signature check', () => {
  const max = 10
  const c = catalog({ limits: { maxEntriesPerPublisher: max } })
  c.merge(Array.from({ length: max }, (_, i) => liveEntry(1, fields(i), NOW)))
  const forged = Array.from({ length: 500 }, (_, i) => ({ ...liveEntry(1, fields(100 + i), at(-1)), signature: 'f'.repeat(128) }))
  const result = c.merge(forged)
  assert.equal(result.rejected.over_publisher_limit, 500)
  assert.equal(result.rejected.bad_signature, 0)
  // Many newer entries in ascending order: only the newest `max` are ever kept.
  const flood = Array.from({ length: 100 }, (_, i) => liveEntry(1, fields(1000 + i), at(i + 1)))
  const flooded = c.merge(flood)
  assert.equal(flooded.added, max)
  assert.equal(flooded.rejected.over_publisher_limit, 100)
  assert.deepEqual([...c.records()].map(e => e.updated).sort(), flood.slice(-max).map(e => e.updated))
})

test('entries of blocked publishers are dropped and counted', () => {
  const blocked = publisher(2).publisherId
  const c = catalog({ blockedPublishers: [blocked.toUpperCase()] })
  const result = c.merge([liveEntry(1, fields(1), NOW), liveEntry(2, fields(2), NOW), tombstone(2, 'org/x', 'main', NOW)])
  assert.equal(result.added, 1)
  assert.equal(result.rejected.blocked, 2)
  assert.deepEqual(c.publishers(), [publisher(1).publisherId])
})

test('verified: true restores a saved state without signature checks, and nothing else', () => {
  const saved = [liveEntry(1, fields(1), NOW), tombstone(2, 'org/x', 'main', NOW)]
  const c = catalog()
  assert.equal(c.merge(saved, { verified: true }).added, 1)
  assert.equal(c.size, 2)
  const result = c.merge([{ ...liveEntry(1, fields(5), NOW), name: 'bad' }], { verified: true })
  assert.equal(result.rejected.malformed, 1, 'the schema is still checked')
  const restored = catalog()
  const forged = { ...liveEntry(3, fields(3), NOW), signature: 'f'.repeat(128) }
  assert.equal(restored.mergeFile(catalogBytes([...saved, forged]), { verified: true }).added, 2)
  const hostile = Object.defineProperty({}, 'publisher', { get () { throw new Error('boom') } })
  assert.equal(catalog().merge([hostile]).rejected.malformed, 1, 'never throws')
})

test('merged entries are frozen copies: callers cannot change the catalog', () => {
  const c = catalog()
  const entry = { ...liveEntry(1, fields(1), NOW) }
  c.merge([entry])
  entry.description = 'mutated by the caller'
  const held = c.get(entry.publisher, entry.name, entry.revision) as LiveEntry
  assert.notEqual(held.description, 'mutated by the caller')
  assert.ok(Object.isFrozen(held))
  assert.throws(() => { (held as { description: string }).description = 'x' })
})

test('mergeFile merges a catalog file and leaves the catalog alone when the file is no catalog', () => {
  const source = merged([[liveEntry(1, fields(1), NOW), liveEntry(2, fields(2), NOW), tombstone(3, 'org/x', 'main', NOW)]])
  const c = catalog()
  const result = c.mergeFile(source.toBytes())
  assert.equal(result.error, undefined)
  assert.equal(result.added + result.revoked, 3)
  assert.equal(state(c), state(source))
  const bad = c.mergeFile(Buffer.from('{"v":1,"entries":[1,'))
  assert.match(bad.error ?? '', /not a catalog file/)
  assert.equal(bad.changed, false)
  assert.equal(state(c), state(source))
  const withJunk = c.mergeFile(Buffer.from(`{"v":1,"entries":[1,"${'x'.repeat(10_000)}",${JSON.stringify(liveEntry(4, fields(4), NOW))}]}`))
  assert.deepEqual([withJunk.added, withJunk.rejected.malformed, withJunk.rejected.oversized], [1, 1, 1])
})

test('mergeFile skips entries it holds without parsing them, and only those', () => {
  const held = [liveEntry(1, fields(1), at(-10)), liveEntry(1, fields(2), at(-10))]
  const c = merged([held])
  const newer = liveEntry(1, fields(1, { description: 'newer' }), NOW)
  const fresh = liveEntry(2, fields(3), NOW)
  const result = c.mergeFile(catalogBytes([...held, fresh]))
  assert.deepEqual([result.added, result.rejected.duplicate], [1, 2])
  // Escaped spellings are parsed and merged as usual.
  const escaped = JSON.stringify(newer).replace('"name":"org1', '"name":"\\u006frg1')
  const again = c.mergeFile(Buffer.from(`{"entries":[${escaped}],"v":1}`))
  assert.deepEqual([again.updated, again.rejected.duplicate], [1, 0])
  assert.equal((c.get(newer.publisher, newer.name, newer.revision) as LiveEntry).description, 'newer')
})
