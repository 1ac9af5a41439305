import { EventEmitter } from 'node:events'
import type { CatalogInfo } from '../api/types.js'
import type { DhtNode } from '../dht/dht-node.js'
import type { Identity } from '../identity.js'
import { logger } from '../log.js'
import { createEntry, createTombstone, shortDescription, type EntryFields } from './entry.js'
import { isTombstone, type LiveEntry } from './entry-types.js'
import { MAX_CATALOG_BYTES } from './limits.js'
export { CATALOG_FILE_NAME } from './catalog-file.js'
import { Catalog, type MergeRejection, type MergeResult } from './merge.js'
import { PointerPublisher, type SharedPublishResult } from './pointer-publisher.js'
import { PointerRepublisher } from './pointer-republisher.js'
import { PointerResolver } from './pointer-resolver.js'
import { createPointerStats, PublisherSet, type PointerStore } from './pointers.js'
import { search, type SearchQuery } from './search.js'
import { ownSlot, sharedSlot, slotMagnet, type Slot } from './slot-keys.js'

const log = logger('catalog')

/** Moves catalog files: seeds this node's, fetches others' by infohash. */
export interface CatalogFiles {
  seed (bytes: Uint8Array): Promise<{ infohash: string, infohashV2: string }>
  fetch (infohash: string, options: { timeoutMs: number, maxBytes: number, signal?: AbortSignal }): Promise<Uint8Array>
  /** The bytes last seeded (kept on disk across restarts), if any. */
  current (): Promise<Uint8Array | undefined>
}

export interface CatalogServiceComponents {
  /** Absent when the node runs without the DHT: the catalog then holds only what this node shares. */
  dht?: DhtNode
  files: CatalogFiles
  identity: Identity
  /** Small persistent key/value store (own slot seq, catalogs already merged). */
  store: PointerStore
}

export interface CatalogServiceInit {
  /** Publishers always read (`discovery.publishers`). @default [] */
  publishers?: readonly string[]
  /** Publishers never merged (`policy.blocked_publishers`). @default [] */
  blockedPublishers?: readonly string[]
  /** Time between background refreshes. @default 600000 */
  refreshIntervalMs?: number
  /** Time between republish rounds of the slots held. @default 3600000 */
  republishIntervalMs?: number
  /** How long one catalog fetch may take. @default 15000 */
  fetchTimeoutMs?: number
  /** Catalogs fetched at once in a refresh. @default 4 */
  fetchConcurrency?: number
  /** Slots read at once in a refresh. @default 16 */
  readConcurrency?: number
}

export interface RefreshResult {
  slots_read: number
  catalogs_fetched: number
  catalogs_failed: number
  added: number
  updated: number
  revoked: number
  rejected: Record<MergeRejection, number>
  duration_ms: number
}

/** What `/api/v1/status` and the TUI's network view show of the catalog. */
export type CatalogStatus = CatalogInfo

const MERGED_KEY = 'catalog:merged'
const MAX_REMEMBERED_MERGES = 1000
const DEFAULT_REFRESH_INTERVAL_MS = 10 * 60 * 1000
const DEFAULT_FETCH_TIMEOUT_MS = 15_000
/** How long a search made before the first refresh finished waits for it. */
const COLD_SEARCH_WAIT_MS = 10_000

function emptyRejections (): Record<MergeRejection, number> {
  return { bad_signature: 0, malformed: 0, oversized: 0, from_future: 0, over_publisher_limit: 0, blocked: 0, duplicate: 0, stale: 0 }
}

/**
 * The node's view of the network catalog: its own signed entries merged with every catalog its
 * peers point to. Publishes the merged catalog as a torrent, its infohash in the node's own slot
 * and (after read, merge and cas) the shared slot; refreshes in the background. Nothing read from
 * the network can remove what the node already holds except a newer signed entry or tombstone.
 */
export class CatalogService extends EventEmitter {
  readonly #components: CatalogServiceComponents
  readonly #init: Required<CatalogServiceInit>
  readonly #catalog: Catalog
  readonly #publishers: PublisherSet
  readonly #rejected = emptyRejections()
  readonly #stats = createPointerStats()
  #resolver: PointerResolver | undefined
  #publisher: PointerPublisher | undefined
  #republisher: PointerRepublisher | undefined
  #merged: string[] = []
  #infohash: string | null = null
  #lastShared: SharedPublishResult | null = null
  #lastRefresh: Date | null = null
  #refreshing: Promise<RefreshResult> | undefined
  #firstRefresh: Promise<unknown> | undefined
  #publishing: Promise<void> = Promise.resolve()
  #timer: NodeJS.Timeout | undefined
  #stopped = false

  constructor (components: CatalogServiceComponents, init: CatalogServiceInit = {}) {
    super()
    this.#components = components
    this.#init = {
      publishers: init.publishers ?? [],
      blockedPublishers: init.blockedPublishers ?? [],
      refreshIntervalMs: init.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS,
      republishIntervalMs: init.republishIntervalMs ?? 60 * 60 * 1000,
      fetchTimeoutMs: init.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS,
      fetchConcurrency: init.fetchConcurrency ?? 4,
      readConcurrency: init.readConcurrency ?? 16
    }
    this.#catalog = new Catalog({ blockedPublishers: this.#init.blockedPublishers })
    this.#publishers = new PublisherSet({ pinned: this.#init.publishers })
  }

  async start (): Promise<void> {
    const { dht, files, identity, store } = this.#components
    const saved = await files.current()
    if (saved !== undefined) {
      const loaded = this.#catalog.mergeFile(saved, { verified: true })
      if (loaded.error !== undefined) this.emit('warning', new Error(`the cached catalog could not be read (${loaded.error}); starting from what peers hold`))
    }
    this.#merged = JSON.parse(await store.get(MERGED_KEY) ?? '[]') as string[]
    this.#learnPublishers()
    if (dht !== undefined) {
      this.#resolver = new PointerResolver({ dht, stats: this.#stats })
      this.#publisher = new PointerPublisher({ dht, keyPair: identity, resolver: this.#resolver, store, stats: this.#stats })
      await this.#publisher.start()
      this.#republisher = new PointerRepublisher({ dht, publisher: this.#publisher, resolver: this.#resolver, publishers: this.#publishers }, { intervalMs: this.#init.republishIntervalMs })
      this.#republisher.on('round', round => {
        log('republished: %o', round)
        this.emit('republished', round)
      })
      this.#republisher.start()
    }
    await this.#publish()
    if (dht !== undefined) {
      this.#firstRefresh = this.refresh().catch((err: Error) => { this.emit('warning', err) })
      this.#timer = setInterval(() => { this.refresh().catch((err: Error) => { this.emit('warning', err) }) }, this.#init.refreshIntervalMs)
      this.#timer.unref()
    }
  }

  async stop (): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    clearInterval(this.#timer)
    await this.#republisher?.stop()
    await this.#publisher?.stop()
    await this.#refreshing?.catch(() => {})
    await this.#publishing.catch(() => {})
  }

  /** Adds (or updates) this node's entry for a model it shares, and publishes. */
  async addOwn (fields: Omit<EntryFields, 'description'> & { description: string }): Promise<LiveEntry> {
    const previous = this.#catalog.get(this.#components.identity.publisherId, fields.name, fields.revision)
    const entry = createEntry({ ...fields, description: shortDescription(fields.description) }, this.#components.identity, previous === undefined ? {} : { previous })
    this.#catalog.merge([entry], { verified: true })
    await this.#publish()
    return entry
  }

  /** Publishes a tombstone withdrawing this node's entry for (name, revision). */
  async revoke (name: string, revision: string): Promise<void> {
    const previous = this.#catalog.get(this.#components.identity.publisherId, name, revision)
    if (previous === undefined) return
    this.#catalog.merge([createTombstone({ name, revision }, this.#components.identity, { previous })], { verified: true })
    await this.#publish()
  }

  /** Searches what the node holds; a node that has never refreshed waits for its first round first. */
  async search (query: SearchQuery): Promise<LiveEntry[]> {
    if (this.#lastRefresh === null && this.#firstRefresh !== undefined) {
      await Promise.race([this.#firstRefresh, new Promise(resolve => setTimeout(resolve, COLD_SEARCH_WAIT_MS).unref())])
    }
    return search(this.#catalog.live(), query)
  }

  entries (): Iterable<LiveEntry> {
    return this.#catalog.live()
  }

  /** One network round: read the slots, fetch catalogs not merged yet, merge, publish if anything changed. */
  async refresh (): Promise<RefreshResult> {
    this.#refreshing ??= this.#refresh().finally(() => { this.#refreshing = undefined })
    return await this.#refreshing
  }

  async #refresh (): Promise<RefreshResult> {
    const started = Date.now()
    const result: RefreshResult = { slots_read: 0, catalogs_fetched: 0, catalogs_failed: 0, added: 0, updated: 0, revoked: 0, rejected: emptyRejections(), duration_ms: 0 }
    const resolver = this.#resolver
    if (resolver === undefined) return result
    const self = this.#components.identity.publisherId
    const slots: Slot[] = [sharedSlot(), ...[...this.#publishers.values()].filter(p => p !== self).map(p => ownSlot(p))]
    const pointers = new Set<string>()
    await eachLimited(slots, this.#init.readConcurrency, async slot => {
      const read = await resolver.resolve(slot).catch(() => null)
      result.slots_read++
      if (read?.kind === 'pointer') pointers.add(read.infohash)
    })
    const wanted = [...pointers].filter(ih => ih !== this.#infohash && !this.#merged.includes(ih))
    await eachLimited(wanted, this.#init.fetchConcurrency, async infohash => {
      const merge = await this.#fetchAndMerge(infohash)
      if (merge === undefined) { result.catalogs_failed++; return }
      result.catalogs_fetched++
      result.added += merge.added
      result.updated += merge.updated
      result.revoked += merge.revoked
      for (const [reason, count] of Object.entries(merge.rejected)) result.rejected[reason as MergeRejection] += count
    })
    if (result.added + result.updated + result.revoked > 0) await this.#publish()
    this.#lastRefresh = new Date()
    result.duration_ms = Date.now() - started
    log('refresh: %o', result)
    this.emit('refreshed', result)
    return result
  }

  /** Fetches one catalog and merges it; undefined when no peer served it in time (tried again next round). */
  async #fetchAndMerge (infohash: string): Promise<MergeResult | undefined> {
    let bytes: Uint8Array
    try {
      bytes = await this.#components.files.fetch(infohash, { timeoutMs: this.#init.fetchTimeoutMs, maxBytes: MAX_CATALOG_BYTES })
    } catch (err) {
      log('catalog %s not fetched: %s', infohash, (err as Error).message)
      return undefined
    }
    const merge = this.#catalog.mergeFile(bytes)
    for (const [reason, count] of Object.entries(merge.rejected)) this.#rejected[reason as MergeRejection] += count
    if (merge.error !== undefined) {
      this.#rejected.malformed++
      log('catalog %s is not a catalog: %s', infohash, merge.error)
    }
    await this.#rememberMerged(infohash)
    this.#learnPublishers()
    return merge
  }

  async #rememberMerged (infohash: string): Promise<void> {
    this.#merged = [...this.#merged.filter(ih => ih !== infohash), infohash].slice(-MAX_REMEMBERED_MERGES)
    await this.#components.store.put(MERGED_KEY, JSON.stringify(this.#merged))
  }

  #learnPublishers (): void {
    for (const publisher of this.#catalog.publishers()) this.#publishers.add(publisher)
  }

  /** Seeds the current catalog and points the own slot, then the shared slot, at it. Serialized. */
  async #publish (): Promise<void> {
    const run = this.#publishing.then(async () => {
      if (this.#stopped) return
      const infohash = await this.#seedCatalog()
      const publisher = this.#publisher
      if (publisher === undefined) return
      await publisher.publishOwn(infohash).catch((err: Error) => { this.emit('warning', new Error(`own catalog slot not written: ${err.message}`)) })
      this.#lastShared = await publisher.publishShared(async current => await this.#beforeSharedWrite(current))
        .catch((err: Error) => { this.emit('warning', new Error(`shared catalog slot not written: ${err.message}`)); return null })
      if (this.#lastShared?.status === 'locked') log('the shared slot is locked at the highest seq; relying on own slots')
    })
    this.#publishing = run.catch(() => {})
    await run
  }

  /**
   * Seeds the catalog as it is now. Its infohash also counts as merged: a catalog this node built
   * holds nothing the node lacks later (entries are only ever superseded), so when the shared slot
   * still points to one it replaced, there is nothing to fetch. Fetching it waited out the whole
   * fetch timeout (15 s) on a network where no one else had it, e.g. a node's first shares.
   */
  async #seedCatalog (): Promise<string> {
    const { infohash } = await this.#components.files.seed(this.#catalog.toBytes())
    this.#infohash = infohash
    await this.#rememberMerged(infohash)
    return infohash
  }

  /** Read → verify → merge before the shared slot is written: what it points to is merged first. */
  async #beforeSharedWrite (current: string | null): Promise<string | null> {
    if (current !== null && current !== this.#infohash && !this.#merged.includes(current)) {
      const merge = await this.#fetchAndMerge(current)
      if (merge?.changed === true) await this.#publisher?.publishOwn(await this.#seedCatalog()).catch(() => {})
    }
    return this.#infohash
  }

  status (): CatalogStatus {
    const own = ownSlot(this.#components.identity.publisherId)
    return {
      entries: this.#catalog.size,
      live: this.#catalog.liveSize,
      publishers_known: this.#publishers.size,
      infohash: this.#infohash,
      own_slot: { magnet: slotMagnet(own), seq: this.#publisher?.lastOwn?.seq ?? null, infohash: this.#publisher?.lastOwn?.infohash ?? null },
      shared_slot: { magnet: slotMagnet(sharedSlot()), last: this.#lastShared?.status ?? null, infohash: this.#lastShared?.infohash ?? null },
      rejected: { ...this.#rejected },
      pointers: { ...this.#stats } as unknown as Record<string, number>,
      last_refresh: this.#lastRefresh?.toISOString() ?? null,
      refreshing: this.#refreshing !== undefined
    }
  }

  /** Whether an entry is this node's own (for listing what it publishes). */
  isOwn (entry: LiveEntry): boolean {
    return entry.publisher === this.#components.identity.publisherId && !isTombstone(entry)
  }
}

async function eachLimited<T> (items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T
      await run(item)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}
