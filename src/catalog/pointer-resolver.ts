import type { DhtNode, MutableItem } from '../dht/dht-node.js'
import { SilmarilError } from '../errors.js'
import { logger } from '../log.js'
import { createPointerStats, DEFAULTS, type PointerStats } from './pointers.js'
import { slotLabel, type Slot } from './slot-keys.js'
import { decodeSlotValue } from './slot-value.js'

const log = logger('catalog:pointers')

/** A slot holding a BEP 46 pointer; `item` is the signed item, enough to re-put it unchanged. */
export interface SlotPointer {
  kind: 'pointer'
  /** v1 infohash of the catalog torrent, lowercase hex. */
  infohash: string
  seq: number
  item: MutableItem
}

/** A slot holding a validly signed value that is not BEP 46; ignored, but its seq still counts. */
export interface SlotUnknown {
  kind: 'unknown'
  reason: string
  seq: number
  item: MutableItem
}

export type SlotRead = SlotPointer | SlotUnknown

/**
 * Reads a slot: the newest verified item from the network and the node's own store, or null
 * when nobody holds one. Items with a seq our stack cannot carry (≥ 2^53) never get this far:
 * the KRPC guard drops them, so such a slot reads as null or as a lower seq.
 */
export async function readSlot (dht: DhtNode, slot: Slot): Promise<SlotRead | null> {
  const item = await dht.getMutable(slot.publicKey, slot.salt)
  if (item === null) return null
  const value = decodeSlotValue(item.v)
  return value.kind === 'pointer'
    ? { kind: 'pointer', infohash: value.infohash, seq: item.seq, item }
    : { kind: 'unknown', reason: value.reason, seq: item.seq, item }
}

/** The pointer an item carries, or null when its value is not BEP 46. */
export function pointerOf (item: MutableItem): SlotPointer | null {
  const value = decodeSlotValue(item.v)
  return value.kind === 'pointer' ? { kind: 'pointer', infohash: value.infohash, seq: item.seq, item } : null
}

export interface PointerResolverComponents {
  dht: DhtNode
  /** Shared with the publisher and republisher so `/status` shows one set of counters. */
  stats?: PointerStats
}

export interface PointerResolverInit {
  /** Latest pointer items kept for replay, one per slot. @default 10001 */
  maxItems?: number
}

/** Reads slots, counts what it meets, and keeps the latest signed pointer of each slot for replay. */
export class PointerResolver {
  readonly #dht: DhtNode
  readonly #stats: PointerStats
  readonly #maxItems: number
  readonly #latest = new Map<string, MutableItem>()

  constructor (components: PointerResolverComponents, init: PointerResolverInit = {}) {
    this.#dht = components.dht
    this.#stats = components.stats ?? createPointerStats()
    this.#maxItems = init.maxItems ?? DEFAULTS.maxPublishers + 1
  }

  get stats (): PointerStats {
    return this.#stats
  }

  /** Reads a slot through the DHT; an unknown value is counted and logged, never thrown. */
  async resolve (slot: Slot): Promise<SlotRead | null> {
    let read: SlotRead | null
    try {
      read = await readSlot(this.#dht, slot)
    } catch (err) {
      this.#stats.errors++
      log('reading %s (%s) failed: %s', slotLabel(slot), slot.target, (err as Error).message)
      throw SilmarilError.from(err)
    }
    this.#stats.reads++
    if (read === null) {
      log('%s (%s) is empty', slotLabel(slot), slot.target)
    } else if (read.kind === 'unknown') {
      this.#stats.unknown_values++
      log('%s (%s) seq %d holds an unknown value, ignored: %s', slotLabel(slot), slot.target, read.seq, read.reason)
    } else {
      log('%s (%s) seq %d points to %s', slotLabel(slot), slot.target, read.seq, read.infohash)
      this.remember(slot, read.item)
    }
    return read
  }

  /** Keeps `item` as the slot's latest pointer unless a higher seq is known; false when ignored. */
  remember (slot: Slot, item: MutableItem): boolean {
    if (!sameBytes(item.k, slot.publicKey) || !sameBytes(item.salt, slot.salt) || pointerOf(item) === null) return false
    const known = this.#latest.get(slot.target)
    if (known !== undefined && known.seq >= item.seq) return false
    this.#latest.delete(slot.target)
    this.#latest.set(slot.target, item)
    if (this.#latest.size > this.#maxItems) {
      const oldest = this.#latest.keys().next().value
      if (oldest !== undefined) this.#latest.delete(oldest)
    }
    return true
  }

  /**
   * The newest signed pointer held for a slot: remembered from a read, or stored by this node
   * for others. Null when neither holds a BEP 46 pointer.
   */
  latest (slot: Slot): MutableItem | null {
    const remembered = this.#latest.get(slot.target) ?? null
    let stored: MutableItem | null = null
    try {
      stored = this.#dht.localMutable(slot.publicKey, slot.salt)
    } catch {}
    if (stored !== null && pointerOf(stored) === null) stored = null
    if (stored !== null && (remembered === null || stored.seq > remembered.seq)) return stored
    return remembered
  }

  /** Drops the remembered item of a slot, e.g. for a publisher no longer followed. */
  forget (slot: Slot): void {
    this.#latest.delete(slot.target)
  }
}

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
}
