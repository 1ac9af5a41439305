import { SilmarilError } from '../src/errors.js'

/** A BEP 44 item as bittorrent-dht keeps it: `k`, `sig`, `seq` and maybe `salt` for mutable items. */
export interface StoredItem {
  v: unknown
  id: Buffer
  k?: Buffer
  sig?: Buffer
  seq?: number
  salt?: Buffer
}

export interface ItemStoreInit {
  /** Items kept in all; the least recently used go first. */
  maxItems: number
  /** Items one public key may hold (one per salt); immutable items count under their sender's address. */
  maxItemsPerKey: number
  /** New items one IP address may have stored. */
  maxItemsPerAddress: number
}

/** Why a new item was refused. */
export type AdmitRefusal = 'key_cap' | 'address_cap'

interface Entry {
  item: StoredItem
  /** Lowercase hex public key, or `ip:<address>` for immutable items. */
  owner: string
  address: string
}

/** Where the node's own puts are counted: never capped. */
export const SELF = 'self'

/**
 * The BEP 44 store a bootstrap node puts in place of bittorrent-dht's `_values` LRU: the same
 * `get`/`set`/`peek`, bounded in total, per public key and per sender address, so one client
 * cannot push everyone else's items out.
 */
export class ItemStore {
  readonly #init: ItemStoreInit
  // Map order is recency order, oldest first.
  readonly #entries = new Map<string, Entry>()
  readonly #perOwner = new Map<string, number>()
  readonly #perAddress = new Map<string, number>()
  /** The sender of the put being handled; bittorrent-dht stores synchronously inside it. */
  source: string = SELF
  evicted = 0

  constructor (init: ItemStoreInit) {
    for (const [name, value] of Object.entries(init)) {
      if (!Number.isSafeInteger(value) || value < 1) throw SilmarilError.badRequest(`${name} must be a positive integer, got ${String(value)}`)
    }
    this.#init = { ...init }
  }

  get size (): number {
    return this.#entries.size
  }

  get capacity (): number {
    return this.#init.maxItems
  }

  /** Whether a put from `address` may store an item under `key` (hex target); null when it may. */
  admit (key: string, publicKey: Buffer | undefined, address: string): AdmitRefusal | null {
    if (this.#entries.has(key)) return null
    if ((this.#perOwner.get(ownerOf(publicKey, address)) ?? 0) >= this.#init.maxItemsPerKey) return 'key_cap'
    if ((this.#perAddress.get(address) ?? 0) >= this.#init.maxItemsPerAddress) return 'address_cap'
    return null
  }

  get (key: string): StoredItem | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    this.#entries.delete(key)
    this.#entries.set(key, entry)
    return entry.item
  }

  /** Reads without touching recency. */
  peek (key: string): StoredItem | undefined {
    return this.#entries.get(key)?.item
  }

  has (key: string): boolean {
    return this.#entries.has(key)
  }

  set (key: string, item: StoredItem): void {
    const previous = this.#entries.get(key)
    if (previous !== undefined) {
      this.#entries.delete(key)
      this.#uncount(previous)
    }
    const address = this.source
    const entry: Entry = { item, owner: ownerOf(item.k, address), address }
    this.#entries.set(key, entry)
    this.#count(entry)
    while (this.#entries.size > this.#init.maxItems) this.#evictOldest()
  }

  delete (key: string): boolean {
    const entry = this.#entries.get(key)
    if (entry === undefined) return false
    this.#entries.delete(key)
    this.#uncount(entry)
    return true
  }

  /** Keys and items, oldest first. */
  * entries (): IterableIterator<[string, StoredItem]> {
    for (const [key, entry] of this.#entries) yield [key, entry.item]
  }

  /** The shape of the `lru` package's cache, for bittorrent-dht's `toJSON()`. */
  get cache (): Record<string, { value: StoredItem }> {
    const cache: Record<string, { value: StoredItem }> = {}
    for (const [key, entry] of this.#entries) cache[key] = { value: entry.item }
    return cache
  }

  #evictOldest (): void {
    const oldest = this.#entries.keys().next().value
    if (oldest === undefined) return
    this.delete(oldest)
    this.evicted++
  }

  #count (entry: Entry): void {
    this.#perOwner.set(entry.owner, (this.#perOwner.get(entry.owner) ?? 0) + 1)
    if (entry.address !== SELF) this.#perAddress.set(entry.address, (this.#perAddress.get(entry.address) ?? 0) + 1)
  }

  #uncount (entry: Entry): void {
    decrement(this.#perOwner, entry.owner)
    if (entry.address !== SELF) decrement(this.#perAddress, entry.address)
  }
}

function ownerOf (publicKey: Buffer | undefined, address: string): string {
  return publicKey === undefined ? `ip:${address}` : publicKey.toString('hex')
}

function decrement (counts: Map<string, number>, key: string): void {
  const count = (counts.get(key) ?? 0) - 1
  if (count <= 0) counts.delete(key)
  else counts.set(key, count)
}
