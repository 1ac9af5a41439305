import type { Torrent } from 'webtorrent'
import { SilmarilError } from '../errors.js'
import { logger } from '../log.js'
import { OriginConn, type OriginConnOptions } from './origin-conn.js'

const log = logger('get:origin')

export const DEFAULTS = {
  /** How long the swarm may go without delivering a piece before the origin is asked too. */
  stallMs: 30_000
} as const

export type OriginActivation = 'stalled' | 'no-peers'

export interface OriginFallbackOptions extends OriginConnOptions {
  /** @default DEFAULTS.stallMs */
  stallMs?: number
  /** Called once, when the origin joins the download. */
  onActivate?: (info: { reason: OriginActivation, peers: number, idleMs: number }) => void
}

interface SelectionRange { from: number, to: number }

/**
 * "The swarm assists, the origin wins": watches a download and, once no piece has arrived for
 * `stallMs` (or there are still no peers `stallMs` after `start()`) while selected pieces are
 * missing, adds an `OriginConn` web seed. From then on webtorrent takes pieces from peers and the
 * origin alike; the origin stays until the torrent is destroyed. One unref'd timer at a time.
 */
export class OriginFallback {
  readonly #torrent: Torrent
  readonly #options: OriginFallbackOptions
  readonly #stallMs: number
  #timer: NodeJS.Timeout | undefined
  #startedAt = 0
  #lastPieceAt = 0
  #running = false
  #conn: OriginConn | undefined

  constructor (torrent: Torrent, options: OriginFallbackOptions) {
    const stallMs = options.stallMs ?? DEFAULTS.stallMs
    if (!Number.isFinite(stallMs) || stallMs < 0) throw SilmarilError.badRequest(`stallMs must be a non-negative number of milliseconds, got ${stallMs}`)
    this.#torrent = torrent
    this.#options = options
    this.#stallMs = stallMs
  }

  /** The origin's web seed once active. */
  get conn (): OriginConn | undefined {
    return this.#conn
  }

  get active (): boolean {
    return this.#conn !== undefined
  }

  start (): void {
    if (this.#running || this.active) return
    this.#running = true
    this.#startedAt = this.#lastPieceAt = Date.now()
    this.#torrent.on('verified', this.#onVerified)
    this.#torrent.once('close', this.#onClose)
    this.#schedule(this.#stallMs)
  }

  stop (): void {
    if (!this.#running) return
    this.#running = false
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#torrent.removeListener('verified', this.#onVerified)
    this.#torrent.removeListener('close', this.#onClose)
  }

  /** Adds the origin now, whatever the swarm is doing (the torrent must have its metadata). */
  activate (reason: OriginActivation = 'stalled'): void {
    if (this.active || this.#torrent.destroyed) return
    const peers = swarmPeers(this.#torrent)
    const idleMs = Date.now() - this.#lastPieceAt
    this.stop()
    this.#conn = new OriginConn(this.#torrent, this.#options)
    this.#torrent.addWebSeed(this.#conn)
    log('origin %s joined %s (%s, %d peers, %d ms without a piece)', this.#conn.connId, this.#torrent.infoHash, reason, peers, idleMs)
    this.#options.onActivate?.({ reason, peers, idleMs })
  }

  readonly #onVerified = (): void => { this.#lastPieceAt = Date.now() }
  readonly #onClose = (): void => { this.stop() }

  #schedule (ms: number): void {
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => { this.#check() }, Math.max(0, ms))
    this.#timer.unref()
  }

  #check (): void {
    this.#timer = undefined
    const torrent = this.#torrent
    if (!this.#running) return
    if (torrent.destroyed) return this.stop()
    if (!torrent.ready || torrent.paused || torrent.done || !wantsPieces(torrent)) return this.#schedule(this.#stallMs)
    const now = Date.now()
    const idle = now - this.#lastPieceAt
    const sinceStart = now - this.#startedAt
    if (swarmPeers(torrent) === 0 && sinceStart >= this.#stallMs) return this.activate('no-peers')
    if (idle >= this.#stallMs) return this.activate('stalled')
    this.#schedule(Math.min(this.#stallMs - idle, sinceStart < this.#stallMs ? this.#stallMs - sinceStart : Infinity))
  }
}

function swarmPeers (torrent: Torrent): number {
  return torrent.wires.filter(wire => wire.type !== 'webSeed').length
}

/** Whether a selected piece is missing; webtorrent drops a selection once all its pieces are in. */
function wantsPieces (torrent: Torrent): boolean {
  const selections = (torrent as unknown as { _selections?: Iterable<SelectionRange> })._selections
  const bitfield = torrent.bitfield
  if (selections === undefined || bitfield === undefined) return !torrent.done
  for (const { from, to } of selections) {
    for (let piece = from; piece <= to; piece++) if (!bitfield.get(piece)) return true
  }
  return false
}
