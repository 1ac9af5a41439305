import bencode from 'bencode'
import { decodeKrpc } from '../src/dht/krpc-codec.js'
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
  /** Items kept in all; the least recently used go first (approximately, see `ItemStore`). */
  maxItems: number
  /** Items one public key may hold (one per salt); immutable items count under their sender's address. */
  maxItemsPerKey: number
  /** New items one IP address may have stored. */
  maxItemsPerAddress: number
}

/** Why a new item was refused. */
export type AdmitRefusal = 'key_cap' | 'address_cap'

/** How many items one owner or address holds; entries share it instead of a string each. */
interface Tally {
  readonly name: string
  count: number
}

/**
 * One held item, flat: its byte fields and bencoded `v` in one latin1 string, which the garbage
 * collector never has to look into. Kept as decoded objects (a Buffer view per field, the whole
 * datagram behind them), 100,000 items were ~12 objects each: a full GC took 100 ms and the
 * heap 96 MB; flat, 19 ms and 34 MB, which is what keeps a busy node's p99 steady.
 */
interface Entry {
  bytes: string
  /** Lengths of `id`, `k`, `sig` and `salt` in `bytes`, in that order; -1 for a field absent. */
  idLength: number
  kLength: number
  sigLength: number
  saltLength: number
  seq: number | undefined
  /** Read since eviction last passed it: it gets a second chance. */
  used: boolean
  owner: Tally
  /** Null for the node's own puts, which no address cap counts. */
  address: Tally | null
}

/** Where the node's own puts are counted: never capped. */
export const SELF = 'self'

/** Second chances one eviction gives at most, so a store read end to end is not swept in one go. */
const MAX_SECOND_CHANCES = 64

/**
 * The BEP 44 store a bootstrap node puts in place of bittorrent-dht's `_values` LRU: the same
 * `get`/`set`/`peek`, bounded in total, per public key and per sender address, so one client
 * cannot push everyone else's items out.
 *
 * Eviction is second chance (CLOCK), an approximation of least recently used: a read only marks
 * the item, and eviction moves marked items to the back instead of dropping them. Moving every
 * read item to the back of the Map instead made it rehash its 100,000 entries every few seconds
 * under load, each time a multi-megabyte allocation that set off a major GC.
 */
export class ItemStore {
  readonly #init: ItemStoreInit
  // Map order is insertion order, oldest first; `used` marks what was read since.
  readonly #entries = new Map<string, Entry>()
  readonly #perOwner = new Map<string, Tally>()
  readonly #perAddress = new Map<string, Tally>()
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
    if ((this.#perOwner.get(ownerOf(publicKey, address))?.count ?? 0) >= this.#init.maxItemsPerKey) return 'key_cap'
    if ((this.#perAddress.get(address)?.count ?? 0) >= this.#init.maxItemsPerAddress) return 'address_cap'
    return null
  }

  get (key: string): StoredItem | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    entry.used = true
    return itemOf(entry)
  }

  /** Reads without marking the item used. */
  peek (key: string): StoredItem | undefined {
    const entry = this.#entries.get(key)
    return entry === undefined ? undefined : itemOf(entry)
  }

  /** The sequence number of the item held under `key`, without rebuilding the item. */
  seq (key: string): number | undefined {
    return this.#entries.get(key)?.seq
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
    const entry = flatten(item, tally(this.#perOwner, ownerOf(item.k, address)), address === SELF ? null : tally(this.#perAddress, address))
    this.#entries.set(key, entry)
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
    for (const [key, entry] of this.#entries) yield [key, itemOf(entry)]
  }

  /** The shape of the `lru` package's cache, for bittorrent-dht's `toJSON()`. */
  get cache (): Record<string, { value: StoredItem }> {
    const cache: Record<string, { value: StoredItem }> = {}
    for (const [key, entry] of this.#entries) cache[key] = { value: itemOf(entry) }
    return cache
  }

  #evictOldest (): void {
    for (let chances = 0; ; chances++) {
      const oldest = this.#entries.entries().next().value
      if (oldest === undefined) return
      const [key, entry] = oldest
      if (!entry.used || chances === MAX_SECOND_CHANCES) {
        this.delete(key)
        this.evicted++
        return
      }
      entry.used = false
      this.#entries.delete(key)
      this.#entries.set(key, entry)
    }
  }

  #uncount (entry: Entry): void {
    untally(this.#perOwner, entry.owner)
    if (entry.address !== null) untally(this.#perAddress, entry.address)
  }
}

function ownerOf (publicKey: Buffer | undefined, address: string): string {
  return publicKey === undefined ? `ip:${address}` : publicKey.toString('hex')
}

/** Counts one more item for `name`, returning its shared tally. */
function tally (tallies: Map<string, Tally>, name: string): Tally {
  let found = tallies.get(name)
  if (found === undefined) {
    found = { name, count: 0 }
    tallies.set(name, found)
  }
  found.count++
  return found
}

function untally (tallies: Map<string, Tally>, found: Tally): void {
  if (--found.count <= 0) tallies.delete(found.name)
}

function flatten (item: StoredItem, owner: Tally, address: Tally | null): Entry {
  const v = bencode.encode(item.v)
  const fields = [item.id, item.k, item.sig, item.salt]
  const bytes = Buffer.allocUnsafe(fields.reduce((sum, field) => sum + (field?.length ?? 0), v.length))
  let at = 0
  for (const field of fields) {
    if (field === undefined) continue
    bytes.set(field, at)
    at += field.length
  }
  bytes.set(v, at)
  return {
    bytes: bytes.toString('latin1'),
    idLength: lengthOf(item.id),
    kLength: lengthOf(item.k),
    sigLength: lengthOf(item.sig),
    saltLength: lengthOf(item.salt),
    seq: item.seq,
    used: false,
    owner,
    address
  }
}

/** The item as bittorrent-dht stored it, rebuilt: byte fields are views of one fresh Buffer. */
function itemOf (entry: Entry): StoredItem {
  const bytes = Buffer.from(entry.bytes, 'latin1')
  let at = 0
  const field = (length: number): Buffer | undefined => {
    if (length === -1) return undefined
    at += length
    return bytes.subarray(at - length, at)
  }
  const id = field(entry.idLength) ?? Buffer.alloc(0)
  const k = field(entry.kLength)
  const sig = field(entry.sigLength)
  const salt = field(entry.saltLength)
  const item: StoredItem = { v: decodeKrpc(bytes.subarray(at)), id }
  if (k !== undefined) item.k = k
  if (sig !== undefined) item.sig = sig
  if (entry.seq !== undefined) item.seq = entry.seq
  if (salt !== undefined) item.salt = salt
  return item
}

function lengthOf (field: Uint8Array | undefined): number {
  return field === undefined ? -1 : field.length
}
