import { setTimeout as sleep } from 'node:timers/promises'
import { signable } from '../dht/bep44.js'
import type { DhtNode, MutableItem, PutMutableResult } from '../dht/dht-node.js'
import { keyPairFromSeed, sign, verify, type KeyPair } from '../dht/ed25519.js'
import { SilmarilError } from '../errors.js'
import { logger } from '../log.js'
import { PointerResolver, pointerOf, type SlotRead } from './pointer-resolver.js'
import { createPointerStats, DEFAULTS, LOCKED_SEQ, type PointerStats, type PointerStore } from './pointers.js'
import { ownSlot, sharedKeyPair, sharedSlot, slotMagnet, type Slot } from './slot-keys.js'
import { encodeSlotValue, type SlotValue } from './slot-value.js'

const log = logger('catalog:pointers')

/** Store key of the last own-slot item: `{"seq":n,"ih":"<hex>","sig":"<hex>"}`. */
export const OWN_SLOT_STORE_KEY = 'own-slot'

const KRPC_CAS_MISMATCH = 301
const KRPC_SEQ_TOO_LOW = 302
const SEQ_SPREAD = 0x10000

export interface PointerPublisherComponents {
  dht: DhtNode
  /** The node's publisher key; an `Identity` fits. */
  keyPair: KeyPair
  /** Shares counters and remembered items with the republisher; made here when omitted. */
  resolver?: PointerResolver
  /** Keeps the own slot's seq across restarts. @default in memory */
  store?: PointerStore
  /** Counters; the resolver's when a resolver is given. */
  stats?: PointerStats
}

export interface PointerPublisherInit {
  /** Read → merge → put rounds for the shared slot. @default 5 */
  sharedAttempts?: number
  /** First delay after a lost round; doubles each round, with jitter. @default 250 */
  backoffMs?: number
  /** @default 4000 */
  maxBackoffMs?: number
  /** Own-slot puts when the network holds a higher seq than we knew. @default 3 */
  ownAttempts?: number
}

export interface OwnPublishResult {
  infohash: string
  seq: number
  /** Nodes that stored the item; 0 when every node already held it. */
  nodes: number
  /** True when the slot already pointed to `infohash` and the same item was put again. */
  replayed: boolean
}

/**
 * Decides what the shared slot should point to, given what it points to now (null when it is
 * empty or holds no BEP 46 pointer): fetch and merge that catalog and answer the merged
 * catalog's infohash, or null to leave the slot alone.
 */
export type BeforeSharedWrite = (current: string | null, read: SlotRead | null) => Promise<string | null>

export type SharedPublishStatus =
  /** Our merged pointer is in the slot. */
  | 'written'
  /** The slot already pointed to what the hook answered. */
  | 'unchanged'
  /** The hook answered null. */
  | 'skipped'
  /** The slot's seq is at LOCKED_SEQ or above; discovery goes on through own slots. */
  | 'locked'
  /** Every round lost to a concurrent writer; the next call tries again. */
  | 'gave_up'

export interface SharedPublishResult {
  status: SharedPublishStatus
  /** What the slot points to afterwards, as far as we know; null when empty or unknown. */
  infohash: string | null
  seq: number | null
  attempts: number
}

/** Signs and writes the node's own slot and, after read → merge, the shared slot. */
export class PointerPublisher {
  readonly #dht: DhtNode
  readonly #keyPair: KeyPair
  readonly #resolver: PointerResolver
  readonly #store: PointerStore | undefined
  readonly #stats: PointerStats
  readonly #own: Slot
  readonly #shared = sharedSlot()
  readonly #sharedKey = sharedKeyPair()
  readonly #sharedAttempts: number
  readonly #backoffMs: number
  readonly #maxBackoffMs: number
  readonly #ownAttempts: number
  readonly #abort = new AbortController()
  readonly #queues: Record<'own' | 'shared', Promise<void>> = { own: Promise.resolve(), shared: Promise.resolve() }
  #lastSeq = 0
  #lastOwn: MutableItem | null = null
  #starting: Promise<void> | undefined

  constructor (components: PointerPublisherComponents, init: PointerPublisherInit = {}) {
    const { keyPair } = components
    if (!Buffer.from(keyPairFromSeed(keyPair.secretSeed).publicKey).equals(Buffer.from(keyPair.publicKey))) {
      throw SilmarilError.badRequest('keyPair.publicKey does not belong to keyPair.secretSeed')
    }
    this.#dht = components.dht
    this.#keyPair = keyPair
    this.#stats = components.resolver?.stats ?? components.stats ?? createPointerStats()
    this.#resolver = components.resolver ?? new PointerResolver({ dht: components.dht, stats: this.#stats })
    this.#store = components.store
    this.#own = ownSlot(keyPair.publicKey)
    this.#sharedAttempts = count('sharedAttempts', init.sharedAttempts ?? DEFAULTS.sharedAttempts)
    this.#ownAttempts = count('ownAttempts', init.ownAttempts ?? DEFAULTS.ownAttempts)
    this.#backoffMs = count('backoffMs', init.backoffMs ?? DEFAULTS.backoffMs, 0)
    this.#maxBackoffMs = count('maxBackoffMs', init.maxBackoffMs ?? DEFAULTS.maxBackoffMs, 0)
  }

  get stats (): PointerStats {
    return this.#stats
  }

  get ownSlot (): Slot {
    return this.#own
  }

  /** BEP 46 magnet of the node's own catalog pointer. */
  get ownMagnet (): string {
    return slotMagnet(this.#own)
  }

  /** What the own slot was last set to, if anything; known after `start()`. */
  get lastOwn (): { infohash: string, seq: number } | null {
    const pointer = this.#lastOwn === null ? null : pointerOf(this.#lastOwn)
    return pointer === null ? null : { infohash: pointer.infohash, seq: pointer.seq }
  }

  /**
   * Loads the last own seq from the store and the DHT, so a restarted node continues its
   * sequence. Neither failing stops the start; both are counted and logged.
   */
  async start (): Promise<void> {
    this.#starting ??= this.#load()
    await this.#starting
  }

  /** Cancels waits between retries; later calls reject with `interrupted`. */
  async stop (): Promise<void> {
    this.#abort.abort()
    await Promise.all([this.#queues.own, this.#queues.shared])
  }

  /** Points the own slot to `infohash` with seq = last + 1; puts the same item again when unchanged. */
  async publishOwn (infohash: string): Promise<OwnPublishResult> {
    const value = encodeSlotValue(infohash)
    const ih = infohash.toLowerCase()
    return await this.#serial('own', async () => {
      await this.start()
      for (let attempt = 1; ; attempt++) {
        // Reading first finds the closest nodes afresh (bittorrent-dht reuses them for the put,
        // even an empty set found before the node joined) and any higher seq an earlier run left.
        await this.#catchUp()
        this.#checkRunning()
        const last = this.#lastOwn === null ? null : pointerOf(this.#lastOwn)
        if (last !== null && last.infohash === ih) {
          const nodes = await this.#replay(this.#lastOwn as MutableItem)
          return { infohash: ih, seq: last.seq, nodes, replayed: true }
        }
        if (this.#lastSeq >= Number.MAX_SAFE_INTEGER) {
          throw new SilmarilError('conflict', 'the own slot has used every seq this node can sign; use a new publisher key')
        }
        const item = signItem(this.#keyPair, this.#own.salt, this.#lastSeq + 1, value)
        this.#lastSeq = item.seq
        this.#lastOwn = item
        // Saved ahead of the put, so a crash right after it never reuses the seq.
        await this.#persist(item)
        let put: PutMutableResult
        try {
          put = await this.#dht.putSigned(item)
        } catch (err) {
          if (isKrpcConflict(err, KRPC_SEQ_TOO_LOW) && attempt < this.#ownAttempts) {
            this.#stats.put_conflicts++
            continue
          }
          this.#stats.errors++
          log('own slot seq %d not stored yet, the republisher will retry: %s', item.seq, (err as Error).message)
          throw err
        }
        this.#stats.puts++
        this.#resolver.remember(this.#own, item)
        log('own slot %s seq %d points to %s on %d nodes', this.#own.target, item.seq, ih, put.nodes)
        return { infohash: ih, seq: item.seq, nodes: put.nodes, replayed: false }
      }
    })
  }

  /** Puts the own slot's latest item again; false when the slot was never set. */
  async republishOwn (): Promise<boolean> {
    return await this.#serial('own', async () => {
      await this.start()
      // The read refreshes the closest nodes and catches a higher seq than we hold.
      await this.#catchUp()
      if (this.#lastOwn === null) return false
      await this.#replay(this.#lastOwn)
      return true
    })
  }

  /**
   * Writes the shared slot only after read → verify → merge: reads it, lets `beforeWrite`
   * merge what it points to, and puts the answer with `cas` = the seq read. A round is lost
   * when the slot changed meanwhile or another writer's item reads back; lost rounds are
   * retried with backoff, up to `sharedAttempts`.
   */
  async publishShared (beforeWrite: BeforeSharedWrite): Promise<SharedPublishResult> {
    return await this.#serial('shared', async () => {
      for (let attempt = 1; ; attempt++) {
        this.#checkRunning()
        const read = await this.#resolver.resolve(this.#shared)
        const current = read?.kind === 'pointer' ? read.infohash : null
        const seq = read?.seq ?? null
        if (read !== null && read.seq >= LOCKED_SEQ) {
          this.#stats.shared_locked++
          log('shared slot locked at seq %d; leaving it, discovery goes on through own slots', read.seq)
          return { status: 'locked', infohash: current, seq, attempts: attempt }
        }
        const answer = await beforeWrite(current, read)
        this.#checkRunning()
        if (answer === null) return { status: 'skipped', infohash: current, seq, attempts: attempt }
        const value = encodeSlotValue(answer)
        const desired = answer.toLowerCase()
        if (desired === current) return { status: 'unchanged', infohash: current, seq, attempts: attempt }

        const item = signItem(this.#sharedKey, this.#shared.salt, nextSharedSeq(seq ?? 0, value.ih), value)
        const lost = await this.#putShared(item, seq, desired)
        if (lost === null) {
          log('shared slot seq %d points to %s (was %s)', item.seq, desired, current ?? 'nothing')
          return { status: 'written', infohash: desired, seq: item.seq, attempts: attempt }
        }
        this.#stats.put_conflicts++
        if (attempt >= this.#sharedAttempts) {
          this.#stats.errors++
          log('shared slot: gave up after %d rounds (%s)', attempt, lost)
          return { status: 'gave_up', infohash: current, seq, attempts: attempt }
        }
        log('shared slot: round %d lost (%s); reading again', attempt, lost)
        await this.#backoff(attempt)
      }
    })
  }

  // Null when our item is what readers see now; else why the round was lost.
  async #putShared (item: MutableItem, merged: number | null, desired: string): Promise<string | null> {
    // Merging can take a while (it fetches a catalog): make sure it merged the latest item.
    const before = await this.#sharedSeq()
    if (before !== merged) return `the slot moved from seq ${String(merged)} to ${String(before)} while merging`
    try {
      await this.#dht.putSigned(item, merged === null ? {} : { cas: merged })
    } catch (err) {
      if (!isKrpcConflict(err, KRPC_CAS_MISMATCH) && !isKrpcConflict(err, KRPC_SEQ_TOO_LOW)) {
        this.#stats.errors++
        throw err
      }
      // Nodes that missed a put, or stored a racing writer's item, hold other seqs and refuse
      // any cas but theirs. If the newest item is still the one merged, only such stale nodes
      // refused: put the item again without cas so they catch up.
      const after = await this.#sharedSeq()
      if (after !== merged) return `${(err as Error).message}; the slot is now at seq ${String(after)}`
      try {
        await this.#dht.putSigned(item)
      } catch (retryErr) {
        if (!isKrpcConflict(retryErr, KRPC_SEQ_TOO_LOW)) {
          this.#stats.errors++
          throw retryErr
        }
      }
    }
    this.#stats.puts++
    // Nodes that did not hold the item accept any cas, so racing writers can each win some
    // nodes; readers take the highest seq, and reading back shows whose item that is.
    const check = await this.#resolver.resolve(this.#shared).catch(() => null)
    if (check === null || check.seq < item.seq || (check.seq === item.seq && check.kind === 'pointer' && check.infohash === desired)) {
      this.#resolver.remember(this.#shared, item)
      return null
    }
    return `read back seq ${check.seq} ${check.kind === 'pointer' ? `pointing to ${check.infohash}` : 'with an unknown value'}`
  }

  async #sharedSeq (): Promise<number | null> {
    return (await this.#resolver.resolve(this.#shared))?.seq ?? null
  }

  async #replay (item: MutableItem): Promise<number> {
    const nodes = await replayItem(this.#dht, item)
    this.#stats.republished++
    return nodes
  }

  // Reads the own slot and adopts a higher seq than we knew, left by an earlier run.
  async #catchUp (): Promise<void> {
    let read: SlotRead | null
    try {
      read = await this.#resolver.resolve(this.#own)
    } catch {
      return
    }
    if (read === null || read.seq <= this.#lastSeq) return
    log('own slot holds seq %d, above our %d; continuing from there', read.seq, this.#lastSeq)
    this.#lastSeq = read.seq
    if (read.kind === 'pointer') {
      this.#lastOwn = read.item
      await this.#persist(read.item)
    }
  }

  async #load (): Promise<void> {
    const stored = await this.#loadStored()
    if (stored !== null) {
      this.#lastSeq = stored.seq
      this.#lastOwn = stored
    }
    await this.#catchUp()
    log('own slot %s continues after seq %d', this.#own.target, this.#lastSeq)
  }

  async #loadStored (): Promise<MutableItem | null> {
    if (this.#store === undefined) return null
    let text: string | undefined
    try {
      text = await this.#store.get(OWN_SLOT_STORE_KEY)
    } catch (err) {
      this.#stats.errors++
      log('cannot read the own slot state: %s', (err as Error).message)
      return null
    }
    if (text === undefined) return null
    const item = parseStoredItem(text, this.#keyPair.publicKey, this.#own.salt)
    if (item === null) {
      this.#stats.errors++
      log('ignoring a damaged or foreign own slot state')
    }
    return item
  }

  async #persist (item: MutableItem): Promise<void> {
    if (this.#store === undefined) return
    const pointer = pointerOf(item)
    if (pointer === null) return
    const state = { seq: item.seq, ih: pointer.infohash, sig: Buffer.from(item.sig).toString('hex') }
    try {
      await this.#store.put(OWN_SLOT_STORE_KEY, JSON.stringify(state))
    } catch (err) {
      this.#stats.errors++
      log('cannot save the own slot state: %s', (err as Error).message)
    }
  }

  async #backoff (attempt: number): Promise<void> {
    const ms = Math.min(this.#maxBackoffMs, this.#backoffMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2)
    try {
      await sleep(ms, undefined, { signal: this.#abort.signal, ref: false })
    } catch {
      this.#checkRunning()
    }
  }

  #checkRunning (): void {
    if (this.#abort.signal.aborted) throw new SilmarilError('interrupted', 'the pointer publisher stopped')
  }

  async #serial<T> (queue: 'own' | 'shared', task: () => Promise<T>): Promise<T> {
    this.#checkRunning()
    const run = this.#queues[queue].then(async () => {
      this.#checkRunning()
      return await task()
    })
    this.#queues[queue] = run.then(() => {}, () => {})
    return await run
  }
}

/**
 * Puts a signed item again, unchanged (BEP 44 lets anyone). Nodes that already hold it answer
 * 302; when all do, that is success too. Resolves the number of nodes that newly stored it.
 */
export async function replayItem (dht: DhtNode, item: MutableItem): Promise<number> {
  try {
    return (await dht.putSigned(item)).nodes
  } catch (err) {
    if (isKrpcConflict(err, KRPC_SEQ_TOO_LOW)) return 0
    throw err
  }
}

/**
 * The shared slot's next seq after `previous`: previous + 1 + a spread taken from the new
 * infohash, kept below LOCKED_SEQ while there is room. Two writers racing from the same read
 * then pick different seqs (unless the first 16 bits of their infohashes match), so every reader
 * sees the same winner and the loser notices on reading back; two writers with the same
 * infohash sign the very same item.
 */
export function nextSharedSeq (previous: number, ih: Uint8Array): number {
  const spread = (((ih[0] ?? 0) << 8) | (ih[1] ?? 0)) % SEQ_SPREAD
  const room = LOCKED_SEQ - 1 - previous
  return previous + 1 + (room > 0 ? spread % room : 0)
}

function signItem (keyPair: KeyPair, salt: Uint8Array, seq: number, v: SlotValue): MutableItem {
  const sig = sign(signable({ salt, seq, v }), keyPair.secretSeed)
  return { v, seq, k: new Uint8Array(keyPair.publicKey), sig, salt: new Uint8Array(salt) }
}

function parseStoredItem (text: string, publicKey: Uint8Array, salt: Uint8Array): MutableItem | null {
  let state: unknown
  try {
    state = JSON.parse(text)
  } catch {
    return null
  }
  if (typeof state !== 'object' || state === null) return null
  const { seq, ih, sig } = state as Record<string, unknown>
  if (!Number.isSafeInteger(seq) || (seq as number) < 0) return null
  if (typeof ih !== 'string' || !/^[0-9a-f]{40}$/.test(ih) || typeof sig !== 'string' || !/^[0-9a-f]{128}$/.test(sig)) return null
  const item: MutableItem = { v: encodeSlotValue(ih), seq: seq as number, k: new Uint8Array(publicKey), sig: new Uint8Array(Buffer.from(sig, 'hex')), salt: new Uint8Array(salt) }
  return verify(item.sig, signable(item), item.k) ? item : null
}

function isKrpcConflict (err: unknown, krpcCode: number): boolean {
  return err instanceof SilmarilError && err.code === 'conflict' && err.details?.['krpcCode'] === krpcCode
}

function count (name: string, value: number, min = 1): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw SilmarilError.badRequest(`${name} must be an integer of at least ${min}, got ${String(value)}`)
  }
  return value
}
