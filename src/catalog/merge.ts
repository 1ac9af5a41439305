import { catalogBytes, readCatalog } from './catalog-file.js'
import { checkEntry, hasValidSignature } from './entry.js'
import { isTombstone, type CatalogEntry, type EntryRejection, type LiveEntry } from './entry-types.js'
import { DEFAULT_LIMITS, type CatalogLimits } from './limits.js'
import { compareEntries } from './order.js'

export type MergeRejection = EntryRejection | 'over_publisher_limit' | 'blocked' | 'duplicate' | 'stale'

/**
 * What one merge did. Each value offered lands in exactly one count, except that
 * `over_publisher_limit` also counts entries held before that newer ones pushed out.
 */
export interface MergeResult {
  /** New identities, live. */
  added: number
  /** Identities held before that now have a newer live entry (revived ones included). */
  updated: number
  /** Identities whose winner is now a new tombstone. */
  revoked: number
  /** Whether the catalog's content (and so its file) changed. */
  changed: boolean
  /** `duplicate`: the same entry is held; `stale`: a newer one is held. */
  rejected: Record<MergeRejection, number>
}

export interface CatalogInit {
  /** Publishers whose entries are dropped and counted as `blocked` (lowercase hex). @default [] */
  blockedPublishers?: Iterable<string>
  /** @default DEFAULT_LIMITS */
  limits?: Partial<CatalogLimits>
  /** Clock for the future-date check, in ms since the epoch. @default Date.now */
  now?: () => number
}

export interface MergeOptions {
  /**
   * The values were verified by this node before (read back from its own database): schema, size
   * and date are checked, signatures are not. Never set it for anything from the network.
   * @default false
   */
  verified?: boolean
}

interface Claim { publisher: string, key: string, signature: string, updated: string }

type Held = Map<string, CatalogEntry>

/**
 * The local catalog, a CRDT of signed entries. Its state is, per identity (publisher, name,
 * revision), the winner of `compareEntries`, and of those, per publisher, the
 * `maxEntriesPerPublisher` highest in the same order. Merging is commutative, associative and
 * idempotent; it checks signatures only of entries that can change the state.
 */
export class Catalog {
  readonly #byPublisher = new Map<string, Held>()
  readonly #blocked: ReadonlySet<string>
  readonly #limits: CatalogLimits
  readonly #now: () => number
  #size = 0
  #liveSize = 0

  constructor (init: CatalogInit = {}) {
    this.#blocked = new Set([...(init.blockedPublishers ?? [])].map(p => p.toLowerCase()))
    this.#limits = { ...DEFAULT_LIMITS, ...init.limits }
    this.#now = init.now ?? Date.now
  }

  /** Entries and tombstones held. */
  get size (): number { return this.#size }

  /** Live (not revoked) entries held. */
  get liveSize (): number { return this.#liveSize }

  get limits (): Readonly<CatalogLimits> { return this.#limits }

  /** The winner held for an identity, tombstone or not. */
  get (publisher: string, name: string, revision: string): CatalogEntry | undefined {
    return this.#byPublisher.get(publisher)?.get(heldKey(name, revision))
  }

  /** Every entry and tombstone held: what the catalog file carries. */
  * records (): IterableIterator<CatalogEntry> {
    for (const held of this.#byPublisher.values()) yield * held.values()
  }

  /** The live entries: what searches see. */
  * live (): IterableIterator<LiveEntry> {
    for (const entry of this.records()) if (!isTombstone(entry)) yield entry
  }

  /** Publishers with at least one entry or tombstone held. */
  publishers (): string[] {
    return [...this.#byPublisher.keys()]
  }

  /** Merges anything claimed to be entries. Never throws on bad input. */
  merge (values: Iterable<unknown>, options: MergeOptions = {}): MergeResult {
    const rejected: Record<MergeRejection, number> = {
      bad_signature: 0, malformed: 0, oversized: 0, from_future: 0, over_publisher_limit: 0, blocked: 0, duplicate: 0, stale: 0
    }
    const check = { now: this.#now(), limits: this.#limits }
    // First pass: drop what is cheap to drop and keep checked copies, grouped by publisher, so a
    // large file never sits in memory twice.
    const groups = new Map<string, CatalogEntry[]>()
    for (const value of values) {
      const claim = claimOf(value)
      if (claim === undefined) { rejected.malformed++; continue }
      if (this.#blocked.has(claim.publisher)) { rejected.blocked++; continue }
      const current = this.#byPublisher.get(claim.publisher)?.get(claim.key)
      if (current !== undefined) {
        if (claim.signature === current.signature) { rejected.duplicate++; continue }
        if (claim.updated < current.updated) { rejected.stale++; continue }
      }
      const checked = checkEntry(value, check)
      if (!checked.ok) { rejected[checked.reason]++; continue }
      const group = groups.get(claim.publisher)
      if (group === undefined) groups.set(claim.publisher, [checked.entry])
      else group.push(checked.entry)
    }
    const run: MergeRun = { rejected, before: new Map(), evicted: [], verified: options.verified === true }
    for (const [publisher, entries] of groups) this.#mergePublisher(publisher, entries, run)
    return this.#result(run)
  }

  /**
   * Merges a catalog file (see `readCatalog`), parsing its entries one at a time and skipping
   * those held already unparsed. A file that is no catalog changes nothing and is reported in
   * `error`; skipped elements are counted.
   */
  mergeFile (bytes: Uint8Array, options: MergeOptions = {}): MergeResult & { error?: string } {
    const read = readCatalog(bytes, this.#limits, (publisher, name, revision, signature) => this.get(publisher, name, revision)?.signature === signature)
    if (typeof read === 'string') return { ...this.merge([]), error: read }
    const result = this.merge(read.entries, options)
    result.rejected.oversized += read.skipped.oversized
    result.rejected.malformed += read.skipped.malformed
    result.rejected.duplicate += read.skipped.duplicate
    return result
  }

  /** The catalog file of what is held (see `catalogBytes`). */
  toBytes (): Uint8Array {
    return catalogBytes(this.records())
  }

  #mergePublisher (publisher: string, entries: CatalogEntry[], run: MergeRun): void {
    const max = this.#limits.maxEntriesPerPublisher
    let held = this.#byPublisher.get(publisher)
    // Over the limit, newest first: once the newest fill it, the rest need no signature check.
    if ((held?.size ?? 0) + entries.length > max) entries.sort((a, b) => compareEntries(b, a))
    let floor: string | undefined
    for (const entry of entries) {
      const key = heldKey(entry.name, entry.revision)
      const current = held?.get(key)
      if (current !== undefined) {
        const order = entry.signature === current.signature ? 0 : compareEntries(entry, current)
        if (order <= 0) { run.rejected[order === 0 ? 'duplicate' : 'stale']++; continue }
      } else if (held !== undefined && held.size >= max) {
        floor ??= oldestUpdated(held)
        if (entry.updated < floor) { run.rejected.over_publisher_limit++; continue }
      }
      if (!run.verified && !hasValidSignature(entry)) { run.rejected.bad_signature++; continue }
      const identity = `${publisher}\0${key}`
      // What it replaces came in this same merge: that one is stale, not a change.
      if (run.before.has(identity)) run.rejected.stale++
      else run.before.set(identity, current ?? null)
      if (held === undefined) this.#byPublisher.set(publisher, held = new Map())
      this.#put(held, key, entry, current)
      if (held.size >= 2 * max) {
        this.#trim(publisher, held, run.evicted)
        floor = undefined
      }
    }
    if (held !== undefined) this.#trim(publisher, held, run.evicted)
  }

  #put (held: Held, key: string, entry: CatalogEntry, current: CatalogEntry | undefined): void {
    held.set(key, entry)
    if (current === undefined) this.#size++
    this.#liveSize += Number(!isTombstone(entry)) - (current === undefined ? 0 : Number(!isTombstone(current)))
  }

  /** Drops a publisher's lowest entries beyond the limit, noting their identities. */
  #trim (publisher: string, held: Held, evicted: string[]): void {
    const max = this.#limits.maxEntriesPerPublisher
    if (held.size <= max) return
    const ranked = [...held].sort(([, a], [, b]) => compareEntries(b, a))
    for (let i = max; i < ranked.length; i++) {
      const [key, entry] = ranked[i]!
      held.delete(key)
      this.#size--
      if (!isTombstone(entry)) this.#liveSize--
      evicted.push(`${publisher}\0${key}`)
    }
    if (held.size === 0) this.#byPublisher.delete(publisher)
  }

  #result ({ rejected, before, evicted }: MergeRun): MergeResult {
    rejected.over_publisher_limit += evicted.length
    let added = 0
    let updated = 0
    let revoked = 0
    for (const [identity, previous] of before) {
      const [publisher, name, revision] = identity.split('\0') as [string, string, string]
      const winner = this.get(publisher, name, revision)
      if (winner === undefined) continue
      if (isTombstone(winner)) revoked++
      else if (previous === null) added++
      else updated++
    }
    const changed = added + updated + revoked > 0 || evicted.some(identity => before.get(identity) !== null)
    return { added, updated, revoked, changed, rejected }
  }
}

interface MergeRun {
  rejected: Record<MergeRejection, number>
  /** The entry held for each identity changed by this merge before it (null: none). */
  before: Map<string, CatalogEntry | null>
  /** Identities dropped by the per-publisher limit. */
  evicted: string[]
  /** Skip signature checks (`MergeOptions.verified`). */
  verified: boolean
}

/** The identity, signature and date a value claims, before any check; undefined when it has none. */
function claimOf (value: unknown): Claim | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  let fields: Record<string, unknown>
  try {
    const { publisher, name, revision, signature, updated } = value as Record<string, unknown>
    fields = { publisher, name, revision, signature, updated }
  } catch {
    return undefined
  }
  const { publisher, name, revision, signature, updated } = fields
  if (typeof publisher !== 'string' || typeof name !== 'string' || typeof revision !== 'string' ||
    typeof signature !== 'string' || typeof updated !== 'string') return undefined
  return { publisher, key: heldKey(name, revision), signature, updated }
}

function heldKey (name: string, revision: string): string {
  return `${name}\0${revision}`
}

function oldestUpdated (held: Held): string {
  let oldest: string | undefined
  for (const entry of held.values()) if (oldest === undefined || entry.updated < oldest) oldest = entry.updated
  return oldest ?? ''
}
