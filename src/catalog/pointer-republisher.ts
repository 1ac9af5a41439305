import { EventEmitter } from 'node:events'
import type { DhtNode } from '../dht/dht-node.js'
import { SilmarilError } from '../errors.js'
import { logger } from '../log.js'
import { replayItem, type PointerPublisher } from './pointer-publisher.js'
import type { PointerResolver } from './pointer-resolver.js'
import { DEFAULTS, LOCKED_SEQ, type PointerStats, type PublisherSet } from './pointers.js'
import { ownSlot, sharedSlot, slotLabel, type Slot } from './slot-keys.js'

const log = logger('catalog:pointers')

export interface PointerRepublisherComponents {
  dht: DhtNode
  publisher: PointerPublisher
  /** Holds the latest signed items to replay; share the publisher's. */
  resolver: PointerResolver
  /** Known publishers whose own slots are replayed. */
  publishers: PublisherSet
}

export interface PointerRepublisherInit {
  /** Time between rounds; the first round runs one interval after `start()`. @default 3600000 (1 hour) */
  intervalMs?: number
  /** Slots republished at once. @default 8 */
  concurrency?: number
}

/** What one round did. */
export interface RepublishRound {
  /** Slots whose item was put back. */
  republished: number
  /** Slots with nothing to replay: never set, no BEP 46 value held, or a locked shared slot. */
  skipped: number
  failed: number
  durationMs: number
}

export interface PointerRepublisherEvents {
  round: [RepublishRound]
}

/**
 * Keeps pointers alive: every interval it re-puts the node's own slot and replays the latest
 * signed items it holds for the shared slot and each known publisher's slot.
 */
export class PointerRepublisher extends EventEmitter<PointerRepublisherEvents> {
  readonly #dht: DhtNode
  readonly #publisher: PointerPublisher
  readonly #resolver: PointerResolver
  readonly #publishers: PublisherSet
  readonly #stats: PointerStats
  readonly #intervalMs: number
  readonly #concurrency: number
  #timer: NodeJS.Timeout | undefined
  #round: Promise<RepublishRound> | undefined
  #running = false
  #stopped = false

  constructor (components: PointerRepublisherComponents, init: PointerRepublisherInit = {}) {
    super()
    this.#dht = components.dht
    this.#publisher = components.publisher
    this.#resolver = components.resolver
    this.#publishers = components.publishers
    this.#stats = components.resolver.stats
    this.#intervalMs = positive('intervalMs', init.intervalMs ?? DEFAULTS.republishIntervalMs)
    this.#concurrency = positive('concurrency', init.concurrency ?? DEFAULTS.republishConcurrency)
  }

  start (): void {
    if (this.#running) return
    this.#running = true
    this.#stopped = false
    this.#schedule()
  }

  /** Stops the timer and waits for a round under way; safe to call more than once. */
  async stop (): Promise<void> {
    this.#running = false
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#timer = undefined
    await this.#round?.catch(() => {})
  }

  /** Runs one round now, or joins the one under way. */
  async republishNow (): Promise<RepublishRound> {
    this.#round ??= this.#runRound().finally(() => { this.#round = undefined })
    return await this.#round
  }

  #schedule (): void {
    if (!this.#running) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.republishNow().then(() => { this.#schedule() }, () => { this.#schedule() })
    }, this.#intervalMs)
    this.#timer.unref()
  }

  async #runRound (): Promise<RepublishRound> {
    const started = Date.now()
    const round = { republished: 0, skipped: 0, failed: 0 }
    const own = this.#publisher.ownSlot
    const tasks: Array<() => Promise<'republished' | 'skipped'>> = [
      async () => await this.#publisher.republishOwn() ? 'republished' : 'skipped',
      async () => await this.#replay(sharedSlot())
    ]
    for (const id of this.#publishers.values()) {
      if (id !== own.publicKeyHex) tasks.push(async () => await this.#replay(ownSlot(id)))
    }
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < tasks.length && !this.#stopped) {
        const task = tasks[next++] as () => Promise<'republished' | 'skipped'>
        try {
          round[await task()]++
        } catch (err) {
          round.failed++
          this.#stats.errors++
          log('republish failed: %s', (err as Error).message)
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, tasks.length) }, worker))
    const result = { ...round, durationMs: Date.now() - started }
    log('republished %d slots (%d skipped, %d failed) in %d ms', result.republished, result.skipped, result.failed, result.durationMs)
    this.emit('round', result)
    return result
  }

  async #replay (slot: Slot): Promise<'republished' | 'skipped'> {
    // The read finds the closest nodes afresh (the put reuses them) and any newer item.
    try {
      await this.#resolver.resolve(slot)
    } catch {}
    const item = this.#resolver.latest(slot)
    if (item === null) return 'skipped'
    // Replaying a locked shared item would keep the lock alive for its attacker.
    if (slot.kind === 'shared' && item.seq >= LOCKED_SEQ) return 'skipped'
    try {
      await replayItem(this.#dht, item)
    } catch (err) {
      throw new SilmarilError('network', `${slotLabel(slot)} seq ${item.seq}: ${(err as Error).message}`, { cause: err })
    }
    this.#stats.republished++
    return 'republished'
  }
}

function positive (name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw SilmarilError.badRequest(`${name} must be a positive integer, got ${String(value)}`)
  return value
}
