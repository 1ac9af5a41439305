import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { Catalog, catalogBytes, parseCatalogBytes, readCatalog, verifyEntry, type CatalogEntry } from '../../src/catalog/index.js'
import { canonicalJson } from '../../src/signed-json.js'
import { at, batchArb, buildRecord, fields, GENUINE_KINDS, liveEntry, NOW, NOW_MS, tombstone } from '../helpers/catalog-fixtures.js'

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8')

const genuineArb = batchArb.map(specs => specs.filter(spec => GENUINE_KINDS.has(spec.kind)).map(spec => buildRecord(spec) as CatalogEntry))

test('the same entries in any order give the same bytes', () => {
  fc.assert(fc.property(genuineArb, fc.infiniteStream(fc.nat()), (entries, randoms) => {
    const shuffled = entries.map(entry => ({ entry, rank: randoms.next().value as number })).sort((a, b) => a.rank - b.rank).map(({ entry }) => entry)
    assert.deepEqual(catalogBytes(shuffled), catalogBytes(entries))
    assert.deepEqual(catalogBytes([...entries, ...entries]), catalogBytes(entries), 'duplicates collapse')
  }), { numRuns: 200 })
})

test('the file is RFC 8785 JSON of {entries, v} with one winner per identity, sorted by identity', () => {
  const a = liveEntry(2, fields(1), at(-5))
  const newer = liveEntry(2, fields(1, { description: 'newer' }), at(-1))
  const b = tombstone(1, 'org/z', 'main', NOW)
  const c = liveEntry(1, fields(2, { name: 'org/a' }), NOW)
  const bytes = catalogBytes([a, b, newer, c])
  const sorted = [c, b, newer].sort((x, y) => x.publisher < y.publisher ? -1 : x.publisher > y.publisher ? 1 : x.name < y.name ? -1 : 1)
  assert.equal(text(bytes), canonicalJson({ v: 1, entries: sorted }))
  assert.ok(text(bytes).startsWith('{"entries":[{'))
  assert.ok(text(bytes).endsWith('}],"v":1}'))
  assert.equal(text(catalogBytes([])), '{"entries":[],"v":1}')
})

test('a file parses back to the entries it holds, and merges to the same bytes', () => {
  fc.assert(fc.property(genuineArb, entries => {
    const bytes = catalogBytes(entries)
    const parsed = parseCatalogBytes(bytes)
    assert.equal(parsed.error, undefined)
    assert.deepEqual(parsed.skipped, { oversized: 0, malformed: 0, duplicate: 0 })
    assert.deepEqual(catalogBytes(parsed.entries as CatalogEntry[]), bytes)
    for (const entry of parsed.entries) assert.ok(verifyEntry(entry, { now: NOW_MS }).ok)
    const c = new Catalog({ now: () => NOW_MS, limits: { maxEntriesPerPublisher: 1e9 } })
    c.merge(parsed.entries)
    assert.deepEqual(c.toBytes(), bytes)
  }), { numRuns: 100 })
})

test('readers accept any JSON layout of the wrapper and ignore unknown keys', () => {
  const entries = [liveEntry(1, fields(1), NOW), tombstone(1, 'a/b', 'a', NOW)]
  const pretty = Buffer.from(`\n ${JSON.stringify({ note: { any: ['thing'] }, entries, v: 1.0 }, null, 2)}\n`)
  const parsed = parseCatalogBytes(pretty)
  assert.equal(parsed.error, undefined)
  assert.deepEqual(catalogBytes(parsed.entries as CatalogEntry[]), catalogBytes(entries))
  assert.equal(parseCatalogBytes(Buffer.from('{"v":1,"entries":[]}')).entries.length, 0)
})

test('elements that cannot be entries are skipped unparsed and counted', () => {
  const good = JSON.stringify(liveEntry(1, fields(1), NOW))
  const file = `{"v":1,"entries":[${good},0,{},"${'x'.repeat(300)}",{"x":"${'y'.repeat(9000)}"},[${'0,'.repeat(200)}0],{"broken":"${'z'.repeat(300)}"x}]}`
  const parsed = parseCatalogBytes(Buffer.from(file))
  assert.equal(parsed.error, undefined)
  assert.equal(parsed.entries.length, 1)
  assert.deepEqual(parsed.skipped, { oversized: 1, malformed: 5, duplicate: 0 })
})

test('files that are no catalog give an error, never an exception', () => {
  const good = text(catalogBytes([liveEntry(1, fields(1), NOW)]))
  const cases: Array<[Uint8Array, RegExp]> = [
    [Buffer.from(''), /expected a JSON object/],
    [Buffer.from('[]'), /expected a JSON object/],
    [Buffer.from('{"entries":[]}'), /v is missing/],
    [Buffer.from('{"v":2,"entries":[]}'), /unsupported version 2/],
    [Buffer.from('{"v":1}'), /entries is missing/],
    [Buffer.from('{"v":1,"entries":{}}'), /entries is not an array/],
    [Buffer.from('{"v":1,"v":1,"entries":[]}'), /"v" appears twice/],
    [Buffer.from(`${good} trailing`), /unexpected text after the object/],
    [Buffer.from(good.slice(0, -3)), /not a catalog file/],
    [Buffer.from(good.slice(0, good.length / 2)), /not a catalog file/],
    [Buffer.from([0x7b, 0xff, 0x7d]), /not valid UTF-8/],
    [Buffer.from(`{"v":1,"entries":[${'['.repeat(100_000)}`), /does not end/]
  ]
  for (const [bytes, expected] of cases) {
    const parsed = parseCatalogBytes(bytes)
    assert.match(parsed.error ?? '', expected, text(bytes).slice(0, 80))
    assert.deepEqual(parsed.entries, [])
  }
  assert.match(parseCatalogBytes(Buffer.from(good), { maxCatalogBytes: good.length - 1 }).error ?? '', /takes \d+ bytes; \d+ at most/)
  assert.equal(parseCatalogBytes(Buffer.from(good), { maxCatalogBytes: good.length }).error, undefined)
  assert.equal(typeof readCatalog('not bytes' as unknown as Uint8Array), 'string')
})

test('parsing never throws on arbitrary bytes or JSON', () => {
  fc.assert(fc.property(fc.oneof(
    fc.uint8Array({ maxLength: 400 }),
    fc.jsonValue().map(value => Buffer.from(JSON.stringify(value) ?? '')),
    fc.jsonValue().map(value => Buffer.from(JSON.stringify({ v: 1, entries: [value, value] }))),
    fc.string().map(s => Buffer.from(`{"v":1,"entries":[${s}]}`))
  ), bytes => {
    const parsed = parseCatalogBytes(bytes)
    assert.ok(Array.isArray(parsed.entries))
    const c = new Catalog()
    const result = c.mergeFile(bytes)
    assert.equal(result.changed, false)
  }), { numRuns: 500 })
})
