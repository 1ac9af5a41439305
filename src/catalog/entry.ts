import { verify } from '../dht/ed25519.js'
import { SilmarilError } from '../errors.js'
import type { Identity } from '../identity.js'
import { normalizeTags } from '../models/names.js'
import { ENTRY_DOMAIN, signObject } from '../signed-json.js'
import { canonicalEntry } from './entry-json.js'
import { entrySchemaProblem, SOURCE_COMMIT_PATTERN, SOURCE_URL_PATTERN } from './entry-schema.js'
import { ENTRY_VERSION, type CatalogEntry, type EntryContent, type EntrySource, type EntryIdentity, type EntryRejection, type LiveEntry, type Tombstone } from './entry-types.js'
import { DEFAULT_LIMITS, MAX_ENTRY_DESCRIPTION_CHARS, MAX_ENTRY_SOURCE_URL_CHARS, type CatalogLimits } from './limits.js'

export interface VerifyEntryOptions {
  /** The time `updated` is checked against, in ms since the epoch. @default Date.now() */
  now?: number
  /** @default DEFAULT_LIMITS */
  limits?: Partial<Pick<CatalogLimits, 'maxEntryBytes' | 'maxClockSkewMs'>>
  /** Skip the signature check, for entries this node verified before (its own database). @default false */
  verified?: boolean
}

export type VerifyEntryResult =
  | { ok: true, entry: CatalogEntry }
  | { ok: false, reason: EntryRejection, message: string }

const ENTRY_DOMAIN_BYTES = Buffer.from(ENTRY_DOMAIN, 'utf8')
const SOURCE_URL_RE = new RegExp(SOURCE_URL_PATTERN)
const SOURCE_COMMIT_RE = new RegExp(SOURCE_COMMIT_PATTERN)

/**
 * Checks anything claimed to be an entry: schema, date, size, clock skew, then the signature by
 * its `publisher`. On success returns a frozen copy with keys in canonical order. Never throws.
 */
export function verifyEntry (value: unknown, options: VerifyEntryOptions = {}): VerifyEntryResult {
  const checked = checkEntry(value, options)
  if (!checked.ok || options.verified === true || hasValidSignature(checked.entry)) return checked
  return { ok: false, reason: 'bad_signature', message: `the signature does not match the entry and publisher ${checked.entry.publisher.slice(0, 16)}…` }
}

/** `verifyEntry` without the signature check. */
export function checkEntry (value: unknown, options: Omit<VerifyEntryOptions, 'verified'> = {}): VerifyEntryResult {
  try {
    return checkShape(value, options)
  } catch (err) {
    // Only objects with throwing getters or proxies get here; JSON never does.
    return { ok: false, reason: 'malformed', message: `cannot be read: ${(err as Error).message}` }
  }
}

function checkShape (value: unknown, options: Omit<VerifyEntryOptions, 'verified'>): VerifyEntryResult {
  const maxEntryBytes = options.limits?.maxEntryBytes ?? DEFAULT_LIMITS.maxEntryBytes
  const maxClockSkewMs = options.limits?.maxClockSkewMs ?? DEFAULT_LIMITS.maxClockSkewMs
  const problem = entrySchemaProblem(value)
  if (problem !== undefined) return { ok: false, reason: 'malformed', message: problem }
  const claimed = value as CatalogEntry
  const time = Date.parse(claimed.updated)
  if (!Number.isFinite(time) || new Date(time).toISOString() !== claimed.updated) {
    return { ok: false, reason: 'malformed', message: `updated "${claimed.updated}" is not a real time` }
  }
  const entry = canonicalEntry(claimed, claimed.signature)
  const bytes = Buffer.byteLength(JSON.stringify(entry), 'utf8')
  if (bytes > maxEntryBytes) return { ok: false, reason: 'oversized', message: `the entry takes ${bytes} bytes; ${maxEntryBytes} at most` }
  if (time > (options.now ?? Date.now()) + maxClockSkewMs) {
    return { ok: false, reason: 'from_future', message: `updated ${claimed.updated} is more than ${maxClockSkewMs} ms ahead of this node's clock` }
  }
  return { ok: true, entry }
}

/** Whether an entry that passed `checkEntry` is signed by its publisher in the entry domain. */
export function hasValidSignature (entry: CatalogEntry): boolean {
  const message = Buffer.concat([ENTRY_DOMAIN_BYTES, Buffer.from(JSON.stringify(canonicalEntry(entry, undefined)), 'utf8')])
  return verify(Buffer.from(entry.signature, 'hex'), message, Buffer.from(entry.publisher, 'hex'))
}

/** What a publisher states about a model; tags are normalized (lowercase, sorted, unique). */
export type EntryFields = Omit<EntryIdentity, 'publisher'> & EntryContent

export interface CreateEntryOptions {
  /** @default new Date() */
  updated?: Date
  /**
   * The entry this one replaces (or, for a tombstone, withdraws): `updated` is moved past it so
   * the new entry wins even when this node's clock is behind.
   */
  previous?: Pick<CatalogEntry, 'updated'>
}

/** Builds and signs an entry as `identity`; throws `bad_request` saying what is wrong. */
export function createEntry (fields: EntryFields, identity: Identity, options: CreateEntryOptions = {}): LiveEntry {
  const entry: Omit<LiveEntry, 'signature'> = {
    v: ENTRY_VERSION,
    publisher: identity.publisherId,
    name: fields.name,
    revision: fields.revision,
    license: fields.license,
    tags: normalizeTags(fields.tags),
    description: fields.description,
    size: fields.size,
    files: fields.files,
    format: fields.format,
    infohash: fields.infohash,
    infohash_v2: fields.infohash_v2,
    ...fields.source === undefined ? {} : { source: fields.source.commit === undefined ? { url: fields.source.url } : { url: fields.source.url, commit: fields.source.commit } },
    updated: updatedTime(options)
  }
  return signChecked(entry, identity) as LiveEntry
}

/**
 * Builds and signs a tombstone withdrawing `target` (a name and revision of `identity`'s). When
 * `target` is the entry itself, the tombstone is dated after it.
 */
export function createTombstone (target: Pick<EntryIdentity, 'name' | 'revision'> & { updated?: string }, identity: Identity, options: CreateEntryOptions = {}): Tombstone {
  const previous = options.previous ?? (typeof target.updated === 'string' ? { updated: target.updated } : undefined)
  const tombstone: Omit<Tombstone, 'signature'> = {
    v: ENTRY_VERSION,
    publisher: identity.publisherId,
    name: target.name,
    revision: target.revision,
    updated: updatedTime({ ...options, previous }),
    revoked: true
  }
  return signChecked(tombstone, identity) as Tombstone
}

/**
 * A manifest's `source` as an entry may carry it, or undefined when it cannot serve files over
 * HTTP (`git@…`, `ssh://`, credentials in the URL) or is longer than MAX_ENTRY_SOURCE_URL_CHARS.
 */
export function entrySource (source: { url: string, commit?: string } | undefined): EntrySource | undefined {
  if (source === undefined) return undefined
  let url: URL
  try {
    url = new URL(source.url)
  } catch {
    return undefined
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '') return undefined
  const href = url.href
  if (href.length > MAX_ENTRY_SOURCE_URL_CHARS || !SOURCE_URL_RE.test(href)) return undefined
  if (source.commit !== undefined && !SOURCE_COMMIT_RE.test(source.commit)) return { url: href }
  return source.commit === undefined ? { url: href } : { url: href, commit: source.commit }
}

/** `text` as an entry description: one line, whitespace collapsed, cut to 280 characters with `…`. */
export function shortDescription (text: string): string {
  const line = text.replace(/[\p{Cc}\s\u2028\u2029\u202a-\u202e\u2066-\u2069]+/gu, ' ').replace(/[\ud800-\udfff]/gu, '').trim()
  const chars = [...line]
  return chars.length <= MAX_ENTRY_DESCRIPTION_CHARS ? line : `${chars.slice(0, MAX_ENTRY_DESCRIPTION_CHARS - 1).join('').trimEnd()}…`
}

function updatedTime ({ updated = new Date(), previous }: CreateEntryOptions): string {
  let time = updated.getTime()
  if (!Number.isFinite(time)) throw SilmarilError.badRequest('cannot build the catalog entry: updated is not a valid date')
  const after = previous === undefined ? Number.NaN : Date.parse(previous.updated)
  if (Number.isFinite(after) && time <= after) time = after + 1
  return new Date(time).toISOString()
}

function signChecked (unsigned: Omit<CatalogEntry, 'signature'>, identity: Identity): CatalogEntry {
  const signed = signObject(ENTRY_DOMAIN, unsigned as Record<string, unknown>, identity.secretSeed)
  // The entry is checked as any reader will check it, against a clock as late as its own date.
  const checked = verifyEntry(signed, { now: Date.parse(unsigned.updated) })
  if (!checked.ok) throw SilmarilError.badRequest(`cannot build the catalog entry: ${checked.message}`)
  return checked.entry
}
