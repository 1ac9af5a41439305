import { logger } from '../log.js'

const log = logger('dht:census')

export interface SwarmCount {
  /** Distinct peers announced in the DHT for the torrent: seeders and downloaders alike. */
  peers: number
  /** When the lookup finished, in ms since the epoch. */
  checkedAt: number
}

export interface SwarmCensusComponents {
  /** One DHT lookup: the peers announced for a v1 infohash, as `host:port`. */
  findPeers (infohash: string): Promise<string[]>
  now? (): number
}

export interface SwarmCensusInit {
  /** A count is looked up again after this long. @default 600_000 */
  ttlMs?: number
  /** Counts kept; the oldest are forgotten first. @default 2000 */
  maxEntries?: number
  /** Lookups running at once. @default 2 */
  concurrency?: number
  /** Lookups waiting at most; further requests are dropped until there is room. @default 100 */
  maxQueued?: number
}

/**
 * How many peers the DHT knows for each torrent the user looks at: counts are served from memory
 * at once and looked up in the background, a few at a time, when missing or stale. Nothing here
 * waits on the network, so a search stays as fast as the catalog.
 */
export class SwarmCensus {
  readonly #findPeers: (infohash: string) => Promise<string[]>
  readonly #now: () => number
  readonly #ttlMs: number
  readonly #maxEntries: number
  readonly #concurrency: number
  readonly #maxQueued: number
  readonly #counts = new Map<string, SwarmCount>()
  readonly #queue: string[] = []
  readonly #running = new Set<string>()
  #stopped = false

  constructor (components: SwarmCensusComponents, init: SwarmCensusInit = {}) {
    this.#findPeers = components.findPeers
    this.#now = components.now ?? Date.now
    this.#ttlMs = init.ttlMs ?? 600_000
    this.#maxEntries = init.maxEntries ?? 2000
    this.#concurrency = init.concurrency ?? 2
    this.#maxQueued = init.maxQueued ?? 100
  }

  /** The last count for an infohash, however old; undefined when never counted. */
  count (infohash: string): SwarmCount | undefined {
    return this.#counts.get(infohash)
  }

  /** Asks for fresh counts of these infohashes, in this order of importance; returns at once. */
  request (infohashes: readonly string[]): void {
    if (this.#stopped) return
    for (const infohash of infohashes) {
      const known = this.#counts.get(infohash)
      if (known !== undefined && this.#now() - known.checkedAt < this.#ttlMs) continue
      if (this.#running.has(infohash) || this.#queue.includes(infohash)) continue
      if (this.#queue.length >= this.#maxQueued) break
      this.#queue.push(infohash)
    }
    this.#pump()
  }

  stop (): void {
    this.#stopped = true
    this.#queue.length = 0
  }

  #pump (): void {
    while (!this.#stopped && this.#running.size < this.#concurrency && this.#queue.length > 0) {
      const infohash = this.#queue.shift()!
      this.#running.add(infohash)
      this.#findPeers(infohash).then(peers => {
        if (!this.#stopped) this.#remember(infohash, { peers: peers.length, checkedAt: this.#now() })
      }, (err: unknown) => {
        log('counting the peers of %s failed: %s', infohash, (err as Error).message)
      }).finally(() => {
        this.#running.delete(infohash)
        this.#pump()
      })
    }
  }

  #remember (infohash: string, count: SwarmCount): void {
    this.#counts.delete(infohash)
    this.#counts.set(infohash, count)
    while (this.#counts.size > this.#maxEntries) this.#counts.delete(this.#counts.keys().next().value!)
  }
}
