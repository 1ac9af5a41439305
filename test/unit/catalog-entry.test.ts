import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { createEntry, createTombstone, entryJson, entryKey, MAX_ENTRY_BYTES, shortDescription, verifyEntry, type CatalogEntry, type LiveEntry } from '../../src/catalog/index.js'
import { canonicalJson, MANIFEST_DOMAIN, signObject } from '../../src/signed-json.js'
import { at, fields, liveEntry, NOW, NOW_MS, publisher, signAs, tombstone } from '../helpers/catalog-fixtures.js'

const alice = publisher(1)
const bob = publisher(2)

function rejection (value: unknown, options: Parameters<typeof verifyEntry>[1] = { now: NOW_MS }): string {
  const result = verifyEntry(value, options)
  assert.equal(result.ok, false, 'expected a refusal')
  return result.ok ? '' : `${result.reason}: ${result.message}`
}

test('createEntry signs an entry that verifies, in canonical key order', () => {
  const entry = createEntry(fields(1, { tags: ['LLaMA', 'gguf', 'llama'] }), alice, { updated: new Date(NOW) })
  assert.equal(entry.publisher, alice.publisherId)
  assert.equal(entry.updated, NOW)
  assert.deepEqual(entry.tags, ['gguf', 'llama'], 'tags lowercased, sorted, unique')
  assert.match(entry.signature, /^[0-9a-f]{128}$/)
  assert.ok(Object.isFrozen(entry))
  assert.equal(JSON.stringify(entry), canonicalJson(entry))
  const checked = verifyEntry(JSON.parse(JSON.stringify(entry)), { now: NOW_MS })
  assert.ok(checked.ok)
  assert.deepEqual(checked.entry, entry)
  assert.equal(entryKey(entry), `${alice.publisherId}\0org1/model-1\0main`)
})

test('the catalog\'s fast canonical JSON equals RFC 8785 for any content', () => {
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.nat(), fc.array(fc.constantFrom('a', 'b-c', 'x.y', '9'), { maxLength: 4 }), (description, size, tags) => {
    const value = { ...liveEntry(1, fields(1, { description, size, tags: [...new Set(tags)] }), NOW) }
    const keysShuffled = Object.fromEntries(Object.entries(value).reverse()) as unknown as LiveEntry
    assert.equal(entryJson(keysShuffled), canonicalJson(value))
    assert.equal(entryJson(keysShuffled, { withSignature: false }), canonicalJson({ ...value, signature: undefined }))
  }), { numRuns: 200 })
})

test('verifyEntry accepts what signObject signs, whatever the key order', () => {
  const unsigned = { v: 1, publisher: bob.publisherId, ...fields(3), updated: NOW }
  const signed = signObject('silmaril/entry@1\n', unsigned, bob.secretSeed)
  const reordered = Object.fromEntries(Object.entries(signed).sort(() => -1))
  assert.ok(verifyEntry(reordered, { now: NOW_MS }).ok)
})

test('verifyEntry refuses malformed entries and says what is wrong', () => {
  const good = liveEntry(1, fields(1), NOW)
  const cases: Array<[unknown, RegExp]> = [
    [null, /^malformed: the entry must be object/],
    ['entry', /^malformed/],
    [[good], /^malformed/],
    [{ ...good, v: 2 }, /^malformed: v must be 1/],
    [{ ...good, extra: 1 }, /^malformed: the entry has an unknown field "extra"/],
    [{ ...good, publisher: alice.publisherId.toUpperCase() }, /^malformed: publisher must match/],
    [{ ...good, name: 'no-slash' }, /^malformed: name must match/],
    [{ ...good, name: 'org/a..b' }, /^malformed: name must not contain "\.\."/],
    [{ ...good, revision: '' }, /^malformed: revision/],
    [{ ...good, license: 'MIT License' }, /^malformed: license/],
    [{ ...good, tags: ['Upper'] }, /^malformed: tags\.0 must match/],
    [{ ...good, tags: ['a', 'a'] }, /^malformed: tags must NOT have duplicate items/],
    [{ ...good, tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }, /^malformed: tags must NOT have more than 32 items/],
    [{ ...good, description: 'x'.repeat(281) }, /^malformed: description must NOT have more than 280 characters/],
    [{ ...good, description: 'bell \u0007' }, /^malformed: description must match/],
    [{ ...good, description: 'escape \u001b[31mred' }, /^malformed: description must match/],
    [{ ...good, description: 'two\nlines' }, /^malformed: description must match/],
    [{ ...good, description: 'bidi \u202e override' }, /^malformed: description must match/],
    [{ ...good, description: 'lone \ud800 surrogate' }, /^malformed: description must match/],
    [{ ...good, size: -1 }, /^malformed: size must be >= 0/],
    [{ ...good, size: 1.5 }, /^malformed: size must be integer/],
    [{ ...good, size: 2 ** 53 }, /^malformed: size must be <=/],
    [{ ...good, files: 0 }, /^malformed: files must be >= 1/],
    [{ ...good, format: 'Safe Tensors' }, /^malformed: format must match/],
    [{ ...good, infohash: 'A'.repeat(40) }, /^malformed: infohash must match/],
    [{ ...good, infohash_v2: 'a'.repeat(40) }, /^malformed: infohash_v2 must match/],
    [{ ...good, updated: '2026-11-20T23:00:00Z' }, /^malformed: updated must match/],
    [{ ...good, updated: '2026-11-20T23:00:00.000+01:00' }, /^malformed: updated must match/],
    [{ ...good, updated: '2026-02-30T00:00:00.000Z' }, /^malformed: updated "2026-02-30T00:00:00.000Z" is not a real time/],
    [{ ...good, signature: 'ab' }, /^malformed: signature must match/],
    [(({ signature: _s, ...rest }) => rest)(good), /^malformed: the entry lacks "signature"/],
    [(({ license: _l, ...rest }) => rest)(good), /^malformed: the entry lacks "license"/]
  ]
  for (const [value, expected] of cases) assert.match(rejection(value), expected, JSON.stringify(value))
})

test('verifyEntry refuses signatures that are not the publisher\'s entry signature', () => {
  const good = liveEntry(1, fields(1), NOW)
  assert.match(rejection({ ...good, description: 'changed after signing' }), /^bad_signature: the signature does not match/)
  assert.match(rejection({ ...good, publisher: bob.publisherId }), /^bad_signature/, 'another publisher cannot claim it')
  assert.match(rejection(liveEntry(1, fields(1), NOW, bob)), /^bad_signature/, 'signed by someone else')
  assert.match(rejection({ ...good, signature: '0'.repeat(128) }), /^bad_signature/)
  const manifestSigned = signAs({ v: 1, publisher: alice.publisherId, ...fields(1), updated: NOW }, alice, MANIFEST_DOMAIN)
  assert.match(rejection(manifestSigned), /^bad_signature/, 'a manifest-domain signature is no entry signature')
})

test('verifyEntry refuses oversized entries, measured on canonical JSON bytes', () => {
  const big = fields(1, { description: '😀'.repeat(280), tags: Array.from({ length: 32 }, (_, i) => `tag-${String(i).padStart(2, '0')}-${'x'.repeat(25)}`) })
  const entry = liveEntry(1, big, NOW)
  assert.ok(Buffer.byteLength(canonicalJson(entry)) > MAX_ENTRY_BYTES)
  assert.match(rejection(entry), /^oversized: the entry takes \d+ bytes; 2048 at most/)
  assert.throws(() => createEntry(big, alice), (err: Error & { code?: string }) => err.code === 'bad_request' && /2048 at most/.test(err.message))
  const bytes = Buffer.byteLength(canonicalJson(liveEntry(1, fields(1), NOW)))
  assert.ok(verifyEntry(liveEntry(1, fields(1), NOW), { now: NOW_MS, limits: { maxEntryBytes: bytes } }).ok, 'the limit is inclusive')
  assert.match(rejection(liveEntry(1, fields(1), NOW), { now: NOW_MS, limits: { maxEntryBytes: bytes - 1 } }), /^oversized/)
})

test('verifyEntry refuses entries dated more than a day ahead of the clock', () => {
  const day = 24 * 3_600_000
  assert.ok(verifyEntry(liveEntry(1, fields(1), at(day)), { now: NOW_MS }).ok, 'a day of clock skew is tolerated')
  assert.match(rejection(liveEntry(1, fields(1), at(day + 1))), /^from_future: updated .* is more than 86400000 ms ahead/)
  assert.match(rejection(tombstone(1, 'org/x', 'main', '9999-12-31T23:59:59.999Z')), /^from_future/, 'nobody can pin an identity forever')
  assert.ok(verifyEntry(liveEntry(1, fields(1), at(day + 1)), { now: NOW_MS + 1 }).ok, 'accepted once its time has come')
})

test('tombstones carry identity only and are dated after what they withdraw', () => {
  const entry = createEntry(fields(1), alice, { updated: new Date(NOW) })
  const dead = createTombstone(entry, alice, { updated: new Date(Date.parse(NOW) - 60_000) })
  assert.equal(dead.updated, at(1), 'a clock running behind still gives a later tombstone')
  assert.deepEqual(Object.keys(dead), ['name', 'publisher', 'revision', 'revoked', 'signature', 'updated', 'v'])
  assert.equal(dead.revoked, true)
  assert.ok(verifyEntry(dead, { now: NOW_MS + 1 }).ok)
  assert.equal(entryKey(dead), entryKey(entry))
  const later = createTombstone({ name: entry.name, revision: entry.revision }, alice, { updated: new Date(Date.parse(NOW) + 5000) })
  assert.equal(later.updated, at(5000))
  assert.match(rejection({ ...dead, license: 'mit' }), /^malformed: the entry has an unknown field "license"/, 'no content in a tombstone')
  assert.match(rejection({ ...dead, revoked: false }), /^malformed: revoked must be true/)
  assert.match(rejection({ ...dead, name: 'org/other' }), /^bad_signature/)
  const replaced = createEntry(fields(1, { description: 'new' }), alice, { updated: new Date(Date.parse(NOW) - 1), previous: entry })
  assert.equal(replaced.updated, at(1))
})

test('createEntry refuses bad fields with bad_request or usage errors', () => {
  assert.throws(() => createEntry(fields(1, { name: 'bad' }), alice), (err: Error & { code?: string }) => err.code === 'bad_request' && /name must match/.test(err.message))
  assert.throws(() => createEntry(fields(1, { description: 'a\nb' }), alice), /description must match/)
  assert.throws(() => createEntry(fields(1, { tags: ['bad tag'] }), alice), (err: Error & { code?: string }) => err.code === 'usage')
  assert.throws(() => createEntry(fields(1), alice, { updated: new Date(Number.NaN) }), /not a valid date/)
})

test('shortDescription makes any text a valid description', () => {
  assert.equal(shortDescription('  A model.\n\nWith\tdetails \u001b[31m '), 'A model. With details [31m')
  const long = shortDescription('😀'.repeat(400))
  assert.equal([...long].length, 280)
  assert.ok(long.endsWith('…'))
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 600 }), text => {
    assert.ok(verifyEntry(liveEntry(1, fields(1, { description: shortDescription(text) }), NOW), { now: NOW_MS, limits: { maxEntryBytes: 1e6 } }).ok)
  }), { numRuns: 150 })
})

test('verifyEntry never throws, whatever it is given', () => {
  const good = liveEntry(1, fields(1), NOW) as CatalogEntry
  fc.assert(fc.property(fc.anything(), fc.dictionary(fc.constantFrom(...Object.keys(good)), fc.anything()), (anything, patch) => {
    assert.equal(verifyEntry(anything).ok, false)
    const result = verifyEntry({ ...good, ...patch }, { now: NOW_MS })
    assert.equal(typeof result.ok, 'boolean')
  }), { numRuns: 300 })
  const hostile = Object.defineProperty({ ...good }, 'name', { enumerable: true, get () { throw new Error('boom') } })
  assert.match(rejection(hostile), /^malformed: cannot be read: boom/)
})
