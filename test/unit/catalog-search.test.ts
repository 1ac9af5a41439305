import assert from 'node:assert/strict'
import { test } from 'node:test'
import { candidates, resolve, search, type CatalogEntry, type LiveEntry } from '../../src/catalog/index.js'
import { at, fields, liveEntry, publisher, tombstone } from '../helpers/catalog-fixtures.js'

const entry = (p: number, name: string, overrides: Parameters<typeof fields>[1] = {}, time = 0): LiveEntry =>
  liveEntry(p, fields(1, { name, tags: [], description: 'a model', ...overrides }), at(time))

const names = (entries: CatalogEntry[]): string[] => entries.map(e => e.name)

test('best match first: exact name, name prefix, name substring, tag, description; then newest', () => {
  const catalog = [
    entry(1, 'acme/describes', { description: 'Better than LLAMA at everything' }),
    entry(1, 'acme/tagged', { tags: ['llama'] }),
    entry(1, 'meta/code-llama-7b'),
    entry(1, 'meta/llama-3-8b', {}, -10),
    entry(1, 'meta/llama-3-70b', {}, -5),
    entry(1, 'acme/llama'),
    entry(1, 'llama/tools', {}, -20),
    entry(1, 'acme/unrelated')
  ]
  assert.deepEqual(names(search(catalog, { pattern: 'Llama' })), [
    'acme/llama', 'meta/llama-3-70b', 'meta/llama-3-8b', 'llama/tools', 'meta/code-llama-7b', 'acme/tagged', 'acme/describes'
  ])
  assert.deepEqual(names(search(catalog, { pattern: 'meta/llama-3-8b' })), ['meta/llama-3-8b'])
  assert.deepEqual(names(search(catalog, { pattern: 'llama', limit: 2 })), ['acme/llama', 'meta/llama-3-70b'])
  assert.deepEqual(names(search(catalog, { pattern: 'nothing matches' })), [])
  assert.equal(search(catalog).length, catalog.length, 'no pattern: everything, newest first')
  assert.deepEqual(names(search(catalog)).slice(-1), ['llama/tools'])
})

test('words of a pattern may match apart; all of them must match', () => {
  const catalog = [entry(1, 'meta/llama-3-8b', { tags: ['gguf'] }), entry(1, 'meta/llama-3-70b'), entry(1, 'acme/8b-chat')]
  assert.deepEqual(names(search(catalog, { pattern: 'llama 8b' })), ['meta/llama-3-8b'])
  assert.deepEqual(names(search(catalog, { pattern: ' LLAMA   gguf ' })), ['meta/llama-3-8b'])
})

test('filters: tag, license, format and publisher (hex prefix or fingerprint)', () => {
  const catalog = [
    entry(1, 'a/one', { tags: ['gguf', 'chat'], license: 'MIT', format: 'gguf' }),
    entry(2, 'a/two', { tags: ['chat'], license: 'apache-2.0', format: 'safetensors' }),
    entry(3, 'a/three', { tags: [], license: 'mit', format: 'safetensors' })
  ]
  assert.deepEqual(names(search(catalog, { tag: 'CHAT' })), ['a/one', 'a/two'])
  assert.deepEqual(names(search(catalog, { license: 'mit' })), ['a/one', 'a/three'])
  assert.deepEqual(names(search(catalog, { format: 'Safetensors', license: 'mit' })), ['a/three'])
  const bob = publisher(2)
  assert.deepEqual(names(search(catalog, { publisher: bob.publisherId })), ['a/two'])
  assert.deepEqual(names(search(catalog, { publisher: bob.publisherId.slice(0, 6).toUpperCase() })), ['a/two'])
  assert.deepEqual(names(search(catalog, { publisher: bob.fingerprint })), ['a/two'])
  assert.deepEqual(names(search(catalog, { publisher: 'not hex' })), [])
})

test('revoked entries are never found', () => {
  const live = entry(1, 'a/live')
  const catalog: CatalogEntry[] = [live, tombstone(1, 'a/dead', 'main', at(0))]
  assert.deepEqual(search(catalog, { pattern: 'a/' }), [live])
  assert.equal(resolve(catalog, 'a/dead'), undefined)
})

test('resolve picks a trusted publisher first, then the newest', () => {
  const [alice, bob] = [publisher(1).publisherId, publisher(2).publisherId]
  const catalog = [
    entry(1, 'meta/llama', { revision: 'v1' }, -100),
    entry(1, 'meta/llama', { revision: 'v2' }, -50),
    entry(2, 'meta/llama', { revision: 'main' }, 0),
    entry(3, 'Meta/Llama', { revision: 'main' }, 10),
    entry(2, 'meta/other')
  ]
  assert.equal(resolve(catalog, 'meta/llama')?.publisher, bob, 'exact spelling, then newest')
  assert.equal(resolve(catalog, 'META/LLAMA')?.publisher, publisher(3).publisherId, 'case-insensitive, newest')
  assert.deepEqual(candidates(catalog, 'meta/llama', { trusted: [alice] }).map(e => `${e.publisher === alice ? 'alice' : 'other'} ${e.revision}`), ['alice v2', 'alice v1', 'other main', 'other main'])
  assert.equal(resolve(catalog, 'meta/llama', { trusted: [alice], revision: 'v1' })?.revision, 'v1')
  assert.equal(resolve(catalog, 'meta/llama', { publisher: publisher(3).fingerprint })?.name, 'Meta/Llama')
  assert.equal(resolve(catalog, 'meta/llama', { revision: 'v9' }), undefined)
  assert.equal(resolve(catalog, 'nobody/nothing'), undefined)
})
