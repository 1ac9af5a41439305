import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import type WebTorrent from 'webtorrent'
import { CatalogService, type CatalogStatus, type RefreshResult } from '../src/catalog/catalog-service.js'
import type { RepublishRound } from '../src/catalog/pointer-republisher.js'
import type { DhtNode } from '../src/dht/dht-node.js'
import { loadIdentity, type Identity } from '../src/identity.js'
import { CatalogTransport } from '../src/share/catalog-transport.js'
import { openFileStore } from './file-store.js'

export const IDENTITY_FILE = 'identity.key'
export const KEEPER_STATE_FILE = 'keeper-state.json'
export const CATALOG_DIR = 'catalog'

export const KEEPER_DEFAULTS = {
  refreshIntervalMs: 10 * 60 * 1000,
  /** Less than half the two hours after which BEP 44 items may expire. */
  republishIntervalMs: 60 * 60 * 1000,
  fetchTimeoutMs: 15_000
} as const

export interface KeeperComponents {
  torrents: WebTorrent
  dht: DhtNode
}

export interface KeeperInit {
  dataDir: string
  /** Publisher ids always read and republished, like `discovery.publishers`. @default [] */
  publishers?: readonly string[]
  /** Time between catalog refreshes. @default 600000 */
  refreshIntervalMs?: number
  /** Time between republish rounds of the slots held. @default 3600000 */
  republishIntervalMs?: number
  /** How long one catalog fetch may take. @default 15000 */
  fetchTimeoutMs?: number
}

export interface KeeperStats {
  refreshes: number
  republishRuns: number
  republishedSlots: number
  republishFailures: number
}

export interface KeeperEvents {
  warning: [Error]
  refreshed: [RefreshResult]
  republished: [RepublishRound]
}

/**
 * The catalog keeper: a publisher key of its own and the same CatalogService every node runs,
 * so it merges what publishers point to, seeds the merged catalog, writes its own and the shared
 * slot, and replays every slot it knows each republish interval, whether or not its publisher
 * is still online.
 */
export class Keeper extends EventEmitter<KeeperEvents> {
  readonly #components: KeeperComponents
  readonly #init: Required<KeeperInit>
  readonly #stats: KeeperStats = { refreshes: 0, republishRuns: 0, republishedSlots: 0, republishFailures: 0 }
  #identity: Identity | undefined
  #catalog: CatalogService | undefined
  #transport: CatalogTransport | undefined
  #started: Promise<void> | undefined

  constructor (components: KeeperComponents, init: KeeperInit) {
    super()
    this.#components = components
    this.#init = {
      dataDir: init.dataDir,
      publishers: init.publishers ?? [],
      refreshIntervalMs: init.refreshIntervalMs ?? KEEPER_DEFAULTS.refreshIntervalMs,
      republishIntervalMs: init.republishIntervalMs ?? KEEPER_DEFAULTS.republishIntervalMs,
      fetchTimeoutMs: init.fetchTimeoutMs ?? KEEPER_DEFAULTS.fetchTimeoutMs
    }
  }

  get identity (): Identity {
    if (this.#identity === undefined) throw new Error('the keeper is not started')
    return this.#identity
  }

  get stats (): KeeperStats {
    return { ...this.#stats }
  }

  /** Loads (or creates) the publisher key, then merges and publishes in the background. */
  async start (): Promise<Identity> {
    const { dataDir } = this.#init
    const identity = await loadIdentity(join(dataDir, IDENTITY_FILE), { create: true })
    this.#identity = identity
    const store = await openFileStore(join(dataDir, KEEPER_STATE_FILE))
    this.#transport = new CatalogTransport({ client: this.#components.torrents }, { dir: join(dataDir, CATALOG_DIR) })
    const catalog = new CatalogService(
      { dht: this.#components.dht, files: this.#transport, identity, store },
      {
        publishers: this.#init.publishers,
        refreshIntervalMs: this.#init.refreshIntervalMs,
        republishIntervalMs: this.#init.republishIntervalMs,
        fetchTimeoutMs: this.#init.fetchTimeoutMs
      }
    )
    this.#catalog = catalog
    catalog.on('warning', (err: Error) => { this.emit('warning', err) })
    catalog.on('refreshed', (result: RefreshResult) => {
      this.#stats.refreshes++
      this.emit('refreshed', result)
    })
    catalog.on('republished', (round: RepublishRound) => {
      this.#stats.republishRuns++
      this.#stats.republishedSlots += round.republished
      this.#stats.republishFailures += round.failed
      this.emit('republished', round)
    })
    this.#started = catalog.start().catch((err: Error) => {
      this.emit('warning', new Error(`the catalog keeper did not start: ${err.message}`))
    })
    return identity
  }

  /** Runs a refresh now (after the start-up publish); resolves with what it merged. */
  async refresh (): Promise<RefreshResult | undefined> {
    await this.#started
    return await this.#catalog?.refresh()
  }

  status (): CatalogStatus | null {
    return this.#catalog?.status() ?? null
  }

  async stop (): Promise<void> {
    await this.#started
    await this.#catalog?.stop()
    await this.#transport?.stop()
  }
}
