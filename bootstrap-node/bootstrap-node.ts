import { EventEmitter } from 'node:events'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Client } from 'bittorrent-dht'
import type WebTorrent from 'webtorrent'
import type { RefreshResult } from '../src/catalog/catalog-service.js'
import type { RepublishRound } from '../src/catalog/pointer-republisher.js'
import { DhtNode } from '../src/dht/dht-node.js'
import { SilmarilError } from '../src/errors.js'
import { listenBareDht, listenTorrentClient, type DhtClientInit } from './dht-client.js'
import { startOpsServer, type OpsServer } from './http-server.js'
import { ItemStore } from './item-store.js'
import { Keeper, type KeeperInit } from './keeper.js'
import { createMetrics } from './metrics.js'
import { loadOrCreateNodeId, loadRoutingTable, saveRoutingTable } from './node-state.js'
import { createGuardStats, guardQueries, rateLimitSocket, type GuardStats } from './query-guard.js'
import { RateLimiter } from './rate-limiter.js'

export const ROUTING_TABLE_SAVE_INTERVAL_MS = 5 * 60 * 1000
export const NODE_ID_FILE = 'node-id'
export const ROUTING_TABLE_FILE = 'routing-table.json'

export const DEFAULTS = {
  host: '0.0.0.0',
  port: 6881,
  saveIntervalMs: ROUTING_TABLE_SAVE_INTERVAL_MS,
  maxValues: 100_000,
  maxItemsPerKey: 64,
  rateLimit: 0,
  putRateLimit: 0,
  metricsHost: '127.0.0.1'
} as const

export interface BootstrapNodeInit {
  /** Address to bind. @default '0.0.0.0' */
  host?: string
  /** UDP port (and TCP for the keeper's catalog torrent); 0 picks a free one. @default 6881 */
  port?: number
  /** Holds `node-id`, `routing-table.json` and the keeper's key and catalog. */
  dataDir: string
  /** Nodes to join, as `host:port`; none starts a network of its own. @default [] */
  bootstrap?: readonly string[]
  /** How often the routing table is saved while running. @default 300000 */
  saveIntervalMs?: number
  /** BEP 44 items kept for the network. @default 100000 */
  maxValues?: number
  /** BEP 44 items one public key may hold (one per salt). @default 64 */
  maxItemsPerKey?: number
  /** New BEP 44 items one IP address may have stored. @default a tenth of maxValues */
  maxItemsPerAddress?: number
  /**
   * Datagrams per second per IP address, with twice that as burst; 0 turns the limit off. Off in
   * the library because a loopback testnet is one address; the program turns it on.
   * @default 0
   */
  rateLimit?: number
  /** Puts per second per IP address (on top of rateLimit); 0 turns the limit off. @default 0 */
  putRateLimit?: number
  /**
   * Run the catalog keeper: merge, seed and republish the network's catalog. The program turns it
   * on; the library leaves it off so a testnet's bootstrap node stays a bare DHT node.
   * @default false
   */
  keeper?: Omit<KeeperInit, 'dataDir'> | false
  /** Serve `/metrics` and `/health` over HTTP. @default false */
  metrics?: { host?: string, port: number } | false
}

export interface BootstrapNodeInfo {
  host: string
  port: number
  /** Node id in lowercase hex. */
  nodeId: string
  /** The keeper's publisher key, for operators to list under `discovery.publishers`. */
  publisher?: { id: string, fingerprint: string }
  metricsUrl?: string
}

export interface BootstrapNodeEvents {
  warning: [Error]
  error: [Error]
  'routing-table-saved': [number]
  refreshed: [RefreshResult]
  republished: [RepublishRound]
}

/** A long-lived DHT node with a stable identity, a guarded BEP 44 store and, optionally, a catalog keeper. */
export class BootstrapNode extends EventEmitter<BootstrapNodeEvents> {
  readonly #init: Required<BootstrapNodeInit>
  readonly guardStats: GuardStats = createGuardStats()
  readonly store: ItemStore
  #dht: DhtNode | undefined
  #torrents: WebTorrent | undefined
  #keeper: Keeper | undefined
  #ops: OpsServer | undefined
  #timer: NodeJS.Timeout | undefined
  #startedAt = 0
  #starting: Promise<BootstrapNodeInfo> | undefined
  #stopping: Promise<void> | undefined

  constructor (init: BootstrapNodeInit) {
    super()
    const maxValues = init.maxValues ?? DEFAULTS.maxValues
    this.#init = {
      host: init.host ?? DEFAULTS.host,
      port: init.port ?? DEFAULTS.port,
      dataDir: resolve(init.dataDir),
      bootstrap: init.bootstrap ?? [],
      saveIntervalMs: init.saveIntervalMs ?? DEFAULTS.saveIntervalMs,
      maxValues,
      maxItemsPerKey: init.maxItemsPerKey ?? DEFAULTS.maxItemsPerKey,
      maxItemsPerAddress: init.maxItemsPerAddress ?? Math.max(1, Math.floor(maxValues / 10)),
      rateLimit: init.rateLimit ?? DEFAULTS.rateLimit,
      putRateLimit: init.putRateLimit ?? DEFAULTS.putRateLimit,
      keeper: init.keeper ?? false,
      metrics: init.metrics ?? false
    }
    this.store = new ItemStore({ maxItems: maxValues, maxItemsPerKey: this.#init.maxItemsPerKey, maxItemsPerAddress: this.#init.maxItemsPerAddress })
  }

  get dht (): DhtNode {
    if (this.#dht === undefined) throw new SilmarilError('internal', 'the bootstrap node is not started')
    return this.#dht
  }

  get keeper (): Keeper | undefined {
    return this.#keeper
  }

  get dataDir (): string {
    return this.#init.dataDir
  }

  async start (): Promise<BootstrapNodeInfo> {
    if (this.#stopping !== undefined) throw new SilmarilError('internal', 'a stopped bootstrap node cannot start again; create a new one')
    this.#starting ??= this.#start()
    return await this.#starting
  }

  async #start (): Promise<BootstrapNodeInfo> {
    const { dataDir, host, port, bootstrap, saveIntervalMs } = this.#init
    this.#startedAt = Date.now()
    try {
      await mkdir(dataDir, { recursive: true })
    } catch (err) {
      throw SilmarilError.io(`cannot create the data dir ${dataDir}: ${(err as Error).message}`, err)
    }
    const nodeId = await loadOrCreateNodeId(join(dataDir, NODE_ID_FILE))
    const saved = await this.#loadSavedNodes()
    const datagrams = new RateLimiter({ ratePerSecond: this.#init.rateLimit })
    const puts = new RateLimiter({ ratePerSecond: this.#init.putRateLimit })
    const clientInit: DhtClientInit = {
      bootstrap: bootstrap.length === 0 ? false : bootstrap,
      host,
      port,
      nodeId,
      maxValues: this.#init.maxValues,
      wrapSocket: socket => rateLimitSocket(socket, datagrams, this.guardStats)
    }
    const prepare = (client: Client): void => { guardQueries(client, { store: this.store, datagrams, puts, stats: this.guardStats }) }
    let dht: DhtNode
    if (this.#init.keeper === false) {
      dht = new DhtNode({ dht: await listenBareDht(clientInit, prepare) }, { ownsDht: true })
    } else {
      const torrents = await listenTorrentClient(clientInit, prepare)
      this.#torrents = torrents
      torrents.on('error', (err: Error) => { this.emit('error', err) })
      dht = new DhtNode({ dht: torrents.dht as Client }, { ownsDht: false })
    }
    this.#dht = dht
    dht.on('warning', err => { this.emit('warning', err) })
    dht.on('error', err => { this.emit('error', err) })
    for (const node of saved) dht.addNode({ host: node.host, port: node.port })
    this.#timer = setInterval(() => { this.#saveInBackground() }, saveIntervalMs)
    this.#timer.unref()
    const address = this.address()
    const info: BootstrapNodeInfo = { host: address?.host ?? host, port: address?.port ?? port, nodeId: dht.nodeId }
    if (this.#torrents !== undefined && this.#init.keeper !== false) {
      const keeper = new Keeper({ torrents: this.#torrents, dht }, { ...this.#init.keeper, dataDir })
      this.#keeper = keeper
      keeper.on('warning', err => { this.emit('warning', err) })
      keeper.on('refreshed', result => { this.emit('refreshed', result) })
      keeper.on('republished', round => { this.emit('republished', round) })
      const identity = await keeper.start()
      info.publisher = { id: identity.publisherId, fingerprint: identity.fingerprint }
    }
    if (this.#init.metrics !== false) {
      this.#ops = await startOpsServer({
        host: this.#init.metrics.host ?? DEFAULTS.metricsHost,
        port: this.#init.metrics.port,
        registry: this.#registry(),
        health: () => this.health()
      })
      info.metricsUrl = this.#ops.url
    }
    return info
  }

  /** What `/health` answers: ok while the DHT socket is open and the node is not stopping. */
  health (): { ok: boolean } & Record<string, unknown> {
    const keeper = this.#keeper?.status() ?? null
    return {
      ok: this.#stopping === undefined && this.address() !== null,
      node_id: this.#dht?.nodeId ?? null,
      uptime_s: Math.round((Date.now() - this.#startedAt) / 1000),
      dht_nodes: this.#dht?.nodeCount() ?? 0,
      bep44_items: this.store.size,
      keeper: keeper === null ? null : { publisher: this.#keeper?.identity.publisherId, entries: keeper.live, publishers: keeper.publishers_known, last_refresh: keeper.last_refresh }
    }
  }

  #registry (): ReturnType<typeof createMetrics> {
    const dht = this.dht
    return createMetrics({
      nodeId: dht.nodeId,
      dhtNodes: () => this.#dht?.nodeCount() ?? 0,
      guard: this.guardStats,
      store: this.store,
      warnings: () => dht.stats.warnings,
      keeper: () => {
        const keeper = this.#keeper
        return keeper === undefined ? null : { publisher: keeper.identity.publisherId, stats: keeper.stats, status: keeper.status() }
      }
    })
  }

  /** Stops the keeper, saves the routing table, closes the sockets. Safe to call more than once. */
  async stop (): Promise<void> {
    this.#stopping ??= this.#stop()
    return await this.#stopping
  }

  async #stop (): Promise<void> {
    await this.#starting?.catch(() => {})
    clearInterval(this.#timer)
    await this.#ops?.close()
    await this.#keeper?.stop().catch((err: unknown) => { this.emit('warning', err as Error) })
    const dht = this.#dht
    if (dht === undefined) return
    try {
      await this.saveRoutingTable()
    } finally {
      await dht.destroy()
      const torrents = this.#torrents
      if (torrents !== undefined) await new Promise<void>(resolve => { torrents.destroy(() => { resolve() }) })
    }
  }

  address (): { host: string, port: number } | null {
    const address = this.#dht?.address()
    return address == null ? null : { host: address.host, port: address.port }
  }

  /** Writes the current routing table; resolves with the number of nodes saved. */
  async saveRoutingTable (): Promise<number> {
    const nodes = this.dht.nodes()
    await saveRoutingTable(join(this.#init.dataDir, ROUTING_TABLE_FILE), nodes)
    this.emit('routing-table-saved', nodes.length)
    return nodes.length
  }

  async #loadSavedNodes (): Promise<Array<{ host: string, port: number }>> {
    try {
      return await loadRoutingTable(join(this.#init.dataDir, ROUTING_TABLE_FILE))
    } catch (err) {
      // A lost routing table only slows the start down; the identity is what must survive.
      this.emit('warning', err as Error)
      return []
    }
  }

  #saveInBackground (): void {
    this.saveRoutingTable().catch((err: unknown) => { this.emit('warning', err as Error) })
  }
}

export function createBootstrapNode (init: BootstrapNodeInit): BootstrapNode {
  return new BootstrapNode(init)
}
