import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createEntry, entryJson, entrySource, MAX_ENTRY_BYTES, MAX_ENTRY_SOURCE_URL_CHARS, shortDescription, verifyEntry } from '../../src/catalog/index.js'
import { canonicalJson } from '../../src/signed-json.js'
import { fields, NOW, NOW_MS, publisher } from '../helpers/catalog-fixtures.js'

const alice = publisher(1)
const SOURCE = { url: 'https://huggingface.co/acme/model-1', commit: 'abc1234' }

test('an entry may carry its origin: signed, in canonical order, verified', () => {
  const entry = createEntry(fields(1, { source: SOURCE }), alice, { updated: new Date(NOW) })
  assert.deepEqual(entry.source, SOURCE)
  assert.equal(JSON.stringify(entry), canonicalJson(entry))
  assert.equal(entryJson(entry), canonicalJson(entry))
  const checked = verifyEntry(JSON.parse(JSON.stringify(entry)), { now: NOW_MS })
  assert.ok(checked.ok)
  assert.deepEqual(checked.entry, entry)
})

test('the source is covered by the signature', () => {
  const entry = createEntry(fields(1, { source: SOURCE }), alice, { updated: new Date(NOW) })
  const moved = { ...JSON.parse(JSON.stringify(entry)), source: { url: 'https://evil.example/acme/model-1' } }
  const dropped = JSON.parse(JSON.stringify(entry)) as Record<string, unknown>
  delete dropped['source']
  for (const forged of [moved, dropped]) {
    const result = verifyEntry(forged, { now: NOW_MS })
    assert.equal(result.ok ? 'ok' : result.reason, 'bad_signature')
  }
})

test('entries without a source stay valid and unchanged', () => {
  const entry = createEntry(fields(2), alice, { updated: new Date(NOW) })
  assert.equal('source' in entry, false)
  assert.ok(verifyEntry(JSON.parse(JSON.stringify(entry)), { now: NOW_MS }).ok)
})

test('a malformed source is refused', () => {
  const long = `https://example.com/${'a'.repeat(MAX_ENTRY_SOURCE_URL_CHARS)}`
  for (const source of [{ url: 'git@github.com:acme/model.git' }, { url: 'file:///etc' }, { url: long }, { url: 'https://example.com/a b' }, { url: SOURCE.url, commit: 'XYZ' }]) {
    assert.throws(() => createEntry(fields(1, { source }), alice, { updated: new Date(NOW) }), /cannot build the catalog entry: source/, JSON.stringify(source))
  }
  const unknown = { ...JSON.parse(JSON.stringify(createEntry(fields(1, { source: SOURCE }), alice, { updated: new Date(NOW) }))) }
  unknown.source = { ...unknown.source, branch: 'main' }
  const result = verifyEntry(unknown, { now: NOW_MS })
  assert.match(result.ok ? '' : result.message, /source has an unknown field "branch"/)
})

test('entrySource keeps only what an entry can carry', () => {
  assert.equal(entrySource(undefined), undefined)
  assert.deepEqual(entrySource({ url: 'http://127.0.0.1:8080/models/x/' }), { url: 'http://127.0.0.1:8080/models/x/' })
  assert.deepEqual(entrySource(SOURCE), SOURCE)
  assert.deepEqual(entrySource({ url: 'https://example.com/a b' }), { url: 'https://example.com/a%20b' })
  assert.equal(entrySource({ url: 'git@github.com:acme/model.git' }), undefined)
  assert.equal(entrySource({ url: 'ssh://git@github.com/acme/model' }), undefined)
  assert.equal(entrySource({ url: 'https://user:pw@example.com/x' }), undefined)
  assert.equal(entrySource({ url: `https://example.com/${'a'.repeat(MAX_ENTRY_SOURCE_URL_CHARS)}` }), undefined)
  assert.deepEqual(entrySource({ url: SOURCE.url, commit: 'not-hex' }), { url: SOURCE.url })
})

test('a typical entry with the longest source stays within the entry byte limit', () => {
  const url = `https://example.com/${'a'.repeat(MAX_ENTRY_SOURCE_URL_CHARS - 20)}`
  const entry = createEntry(fields(1, { source: { url, commit: 'f'.repeat(64) }, description: shortDescription('x'.repeat(400)), tags: Array.from({ length: 8 }, (_, i) => `tag-${i}`) }), alice, { updated: new Date(NOW) })
  assert.ok(Buffer.byteLength(entryJson(entry)) <= MAX_ENTRY_BYTES)
})
