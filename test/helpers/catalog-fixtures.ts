import { createPrivateKey, createHash, sign, type KeyObject } from 'node:crypto'
import fc from 'fast-check'
import type { CatalogEntry, EntryFields, LiveEntry, Tombstone } from '../../src/catalog/index.js'
import { identityFromSeed, type Identity } from '../../src/identity.js'
import { ENTRY_DOMAIN, MANIFEST_DOMAIN, signingBytes, type SignatureDomain } from '../../src/signed-json.js'

// Deterministic publishers, entries and fast-check arbitraries for the catalog tests and bench.
// Signing goes through signed-json's generic JCS (not the catalog's own fast path), so the tests
// also check that both give the same bytes.

const PKCS8_SEED_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const identities = new Map<number, Identity>()
const privateKeys = new Map<string, KeyObject>()

/** The test publisher number `i` (0–255): seed 32 bytes of `i`. */
export function publisher (i: number): Identity {
  let identity = identities.get(i)
  if (identity === undefined) identities.set(i, identity = identityFromSeed(Buffer.alloc(32, i)))
  return identity
}

/** A time `ms` milliseconds after NOW, as an entry's `updated`. */
export function at (ms: number): string {
  return new Date(Date.parse(NOW) + ms).toISOString()
}

/** The clock of every test: entries are checked against it. */
export const NOW = '2026-11-20T23:00:00.000Z'
export const NOW_MS = Date.parse(NOW)

/** Plausible fields for model number `i`. */
export function fields (i: number, overrides: Partial<EntryFields> = {}): EntryFields {
  return {
    name: `org${i % 7}/model-${i}`,
    revision: 'main',
    license: i % 3 === 0 ? 'apache-2.0' : 'mit',
    tags: i % 2 === 0 ? ['llama', 'text-generation'] : ['gguf'],
    description: `Test model number ${i}, a small language model`,
    size: 1_000_000 + i,
    files: 1 + (i % 5),
    format: i % 2 === 0 ? 'safetensors' : 'gguf',
    infohash: hexOf(`v1 ${i}`, 40),
    infohash_v2: hexOf(`v2 ${i}`, 64),
    ...overrides
  }
}

/** Signs anything as `identity` in a domain, with a cached key (ed25519 is deterministic: same result as signObject). */
export function signAs<T extends Record<string, unknown>> (object: T, identity: Identity, domain: SignatureDomain = ENTRY_DOMAIN): T & { signature: string } {
  const hex = identity.publisherId
  let key = privateKeys.get(hex)
  if (key === undefined) {
    key = createPrivateKey({ key: Buffer.concat([PKCS8_SEED_PREFIX, identity.secretSeed]), format: 'der', type: 'pkcs8' })
    privateKeys.set(hex, key)
  }
  const { signature: _old, ...unsigned } = object
  return { ...unsigned, signature: sign(null, signingBytes(domain, unsigned), key).toString('hex') } as T & { signature: string }
}

/** A signed live entry of publisher `p`, without the checks of createEntry (so tests can build bad ones). */
export function liveEntry (p: number, entryFields: EntryFields, updated: string, signer: Identity = publisher(p)): LiveEntry {
  return signAs({ v: 1, publisher: publisher(p).publisherId, ...entryFields, updated }, signer) as LiveEntry
}

/** A signed tombstone of publisher `p` for `name` and `revision`. */
export function tombstone (p: number, name: string, revision: string, updated: string, signer: Identity = publisher(p)): Tombstone {
  return signAs({ v: 1, publisher: publisher(p).publisherId, name, revision, updated, revoked: true }, signer) as Tombstone
}

/** `count` signed entries from `publishers` publishers (numbered from `firstPublisher`), round robin, dated from `start`. */
export function generateEntries (count: number, { publishers = 100, firstPublisher = 1, start = 0, updated = NOW } = {}): LiveEntry[] {
  const out: LiveEntry[] = []
  for (let i = start; i < start + count; i++) {
    out.push(liveEntry(firstPublisher + (i % publishers), fields(i), updated))
  }
  return out
}

function hexOf (text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').repeat(2).slice(0, length)
}

/** What a generated record is: genuine entries and tombstones, and the ways records go wrong. */
export type RecordKind = 'entry' | 'tombstone' | 'forged-key' | 'tampered' | 'manifest-domain' | 'garbage-signature' | 'malformed' | 'future'

export interface RecordSpec {
  kind: RecordKind
  publisher: number
  model: number
  revision: number
  /** Index into TIMES: few, so ties happen. */
  time: number
  /** Picks one of several contents, so the same identity and time can carry different signatures. */
  variant: number
}

export const TIMES = [at(-3_600_000), at(-1000), at(-999), at(0)]
export const PUBLISHERS = [1, 2, 3]
const ATTACKER = 200
const FUTURE = at(3 * 24 * 3_600_000)

export const GENUINE_KINDS: ReadonlySet<RecordKind> = new Set(['entry', 'tombstone'])

const built = new Map<string, unknown>()

/** The record a spec stands for; the same spec always gives the same (shared, frozen) value. */
export function buildRecord (spec: RecordSpec): unknown {
  const memo = JSON.stringify(spec)
  let record = built.get(memo)
  if (record === undefined) built.set(memo, record = deepFreeze(makeRecord(spec)))
  return record
}

function makeRecord ({ kind, publisher: p, model, revision, time, variant }: RecordSpec): unknown {
  const p1 = PUBLISHERS[p % PUBLISHERS.length]!
  const name = `org/model-${model}`
  const rev = ['main', 'v2'][revision % 2]!
  const updated = TIMES[time % TIMES.length]!
  const content = fields(model, { name, revision: rev, description: `variant ${variant}` })
  switch (kind) {
    case 'entry': return liveEntry(p1, content, updated)
    case 'tombstone': return tombstone(p1, name, rev, updated)
    case 'forged-key': return liveEntry(p1, content, updated, publisher(ATTACKER))
    case 'tampered': return { ...liveEntry(p1, content, updated), description: `tampered ${variant}` }
    case 'manifest-domain': return signAs({ v: 1, publisher: publisher(p1).publisherId, ...content, updated }, publisher(p1), MANIFEST_DOMAIN)
    case 'garbage-signature': return { ...liveEntry(p1, content, updated), signature: hexOf(`garbage ${variant}`, 64).repeat(2) }
    case 'future': return liveEntry(p1, content, FUTURE)
    case 'malformed': return [
      { ...liveEntry(p1, content, updated), extra: true },
      { ...liveEntry(p1, content, updated), name: 'no-slash' },
      'not an entry'
    ][variant % 3]
  }
}

function deepFreeze<T> (value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}

const KINDS: RecordKind[] = ['entry', 'entry', 'entry', 'tombstone', 'tombstone', 'forged-key', 'tampered', 'manifest-domain', 'garbage-signature', 'malformed', 'future']

export const recordSpecArb: fc.Arbitrary<RecordSpec> = fc.record({
  kind: fc.constantFrom(...KINDS),
  publisher: fc.nat(PUBLISHERS.length - 1),
  model: fc.nat(3),
  revision: fc.nat(1),
  time: fc.nat(TIMES.length - 1),
  variant: fc.nat(2)
})

/** A batch of records: genuine, forged and broken ones mixed. */
export const batchArb: fc.Arbitrary<RecordSpec[]> = fc.array(recordSpecArb, { maxLength: 25 })

/** The tie-break rules as docs/PROTOCOL.md states them: later `updated`, then tombstone, then larger signature. */
export function lastWriterWins (a: CatalogEntry, b: CatalogEntry): number {
  const key = (e: CatalogEntry): string => `${e.updated} ${e.revoked === true ? 1 : 0} ${e.signature}`
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0
}

/** Reference semantics of the merged state: per identity the greatest genuine record, then per publisher the `max` greatest. */
export function expectedState (specs: readonly RecordSpec[], max: number, compare = lastWriterWins): CatalogEntry[] {
  const winners = new Map<string, CatalogEntry>()
  for (const spec of specs) {
    if (!GENUINE_KINDS.has(spec.kind)) continue
    const record = buildRecord(spec) as CatalogEntry
    const key = `${record.publisher}\0${record.name}\0${record.revision}`
    const other = winners.get(key)
    if (other === undefined || compare(record, other) > 0) winners.set(key, record)
  }
  const byPublisher = new Map<string, CatalogEntry[]>()
  for (const record of winners.values()) byPublisher.set(record.publisher, [...(byPublisher.get(record.publisher) ?? []), record])
  return [...byPublisher.values()].flatMap(records => records.sort((a, b) => compare(b, a)).slice(0, max))
}
