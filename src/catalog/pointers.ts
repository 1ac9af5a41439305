import { logger } from '../log.js'
import { isPublisherId } from './slot-keys.js'
import { SilmarilError } from '../errors.js'

const log = logger('catalog:pointers')

/** BEP 44 items expire from most DHT nodes after about 2 hours, so put them back every hour. */
export const REPUBLISH_INTERVAL_MS = 60 * 60 * 1000

/**
 * A shared slot at this seq or above is locked: at most one more write fits below the largest
 * seq our stack carries (Number.MAX_SAFE_INTEGER), so writers leave it to expire.
 */
export const LOCKED_SEQ = Number.MAX_SAFE_INTEGER - 1

export const DEFAULTS = {
  /** Read → merge → put rounds for the shared slot before giving up until the next call. */
  sharedAttempts: 5,
  /** First retry delay after a 301/302; doubles each attempt, with jitter. */
  backoffMs: 250,
  maxBackoffMs: 4000,
  /** Puts of the own slot when nodes answer 302 (they hold a higher seq than we knew). */
  ownAttempts: 3,
  republishIntervalMs: REPUBLISH_INTERVAL_MS,
  /** Slots republished at once. */
  republishConcurrency: 8,
  /** Publishers learned from entries; configured ones are pinned and not counted. */
  maxPublishers: 10_000
} as const

/** Counters served by `/status`. */
export interface PointerStats {
  /** Slot reads that reached the DHT. */
  reads: number
  /** Values that were not BEP 46 pointers, such as the original Go Silmaril's JSON. */
  unknown_values: number
  /** New items signed and stored (own and shared slots). */
  puts: number
  /** Puts refused with 301 or 302, or lost to a concurrent writer. */
  put_conflicts: number
  /** Shared-slot writes given up because its seq is at LOCKED_SEQ or above. */
  shared_locked: number
  /** Items put back by the republisher, own or replayed. */
  republished: number
  errors: number
}

export function createPointerStats (): PointerStats {
  return { reads: 0, unknown_values: 0, puts: 0, put_conflicts: 0, shared_locked: 0, republished: 0, errors: 0 }
}

/** A small key-value store for the publisher's state; a node backs it with a level sublevel. */
export interface PointerStore {
  /** Resolves undefined when the key is missing. */
  get (key: string): Promise<string | undefined>
  put (key: string, value: string): Promise<void>
}

export function memoryPointerStore (): PointerStore {
  const map = new Map<string, string>()
  return {
    get: async (key) => map.get(key),
    put: async (key, value) => { map.set(key, value) }
  }
}

export interface PublisherSetInit {
  /** Publishers learned from entries kept at most; the least recently seen go first. @default 10000 */
  max?: number
  /** Configured publishers (`discovery.publishers`): never evicted, not counted against `max`. */
  pinned?: Iterable<string>
}

/** Publisher ids whose own slots discovery reads and the republisher replays. */
export class PublisherSet {
  readonly #max: number
  readonly #pinned = new Set<string>()
  // Map order is recency order: re-adding moves a key to the end.
  readonly #learned = new Map<string, true>()

  constructor (init: PublisherSetInit = {}) {
    const max = init.max ?? DEFAULTS.maxPublishers
    if (!Number.isSafeInteger(max) || max < 0) throw SilmarilError.badRequest(`max publishers must be a non-negative integer, got ${String(max)}`)
    this.#max = max
    for (const id of init.pinned ?? []) this.pin(id)
  }

  /** Adds a configured publisher that is never evicted. */
  pin (id: string): void {
    const key = publisherKey(id)
    this.#learned.delete(key)
    this.#pinned.add(key)
  }

  /** Adds or refreshes a publisher seen in a verified entry; true when it was not known. */
  add (id: string): boolean {
    const key = publisherKey(id)
    if (this.#pinned.has(key)) return false
    const known = this.#learned.delete(key)
    this.#learned.set(key, true)
    while (this.#learned.size > this.#max) {
      const oldest = this.#learned.keys().next().value
      if (oldest === undefined) break
      this.#learned.delete(oldest)
      log('forgot publisher %s: more than %d known', oldest.slice(0, 16), this.#max)
    }
    return !known && this.#learned.has(key)
  }

  has (id: string): boolean {
    const key = id.toLowerCase()
    return this.#pinned.has(key) || this.#learned.has(key)
  }

  delete (id: string): boolean {
    const key = id.toLowerCase()
    return this.#pinned.delete(key) || this.#learned.delete(key)
  }

  get size (): number {
    return this.#pinned.size + this.#learned.size
  }

  /** Pinned first, then learned from the most recently seen. */
  values (): string[] {
    return [...this.#pinned, ...[...this.#learned.keys()].reverse()]
  }

  [Symbol.iterator] (): Iterator<string> {
    return this.values()[Symbol.iterator]()
  }
}

function publisherKey (id: string): string {
  const key = typeof id === 'string' ? id.toLowerCase() : ''
  if (!isPublisherId(key)) throw SilmarilError.badRequest(`a publisher id is 64 hex characters, got "${String(id).slice(0, 80)}"`)
  return key
}
