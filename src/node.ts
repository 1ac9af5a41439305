import { EventEmitter } from 'node:events'
import { mkdir } from 'node:fs/promises'
import { Level } from 'level'
import type WebTorrent from 'webtorrent'
import type { DhtPeerInfo, DiscoveredModel, LocalModel, NodeSnapshot } from './api/types.js'
import type { SearchQuery } from './catalog/search.js'
import type { SilmarilConfig } from './config/schema.js'
import { dhtOptions } from './dht/dht-options.js'
import { DhtNode } from './dht/dht-node.js'
import type { Identity } from './identity.js'
import { logger } from './log.js'
import { ModelStore, type ModelRecord } from './models/model-store.js'
import { scanModels } from './models/registry.js'
import { HashCache } from './share/hash-cache.js'
import { Seeder } from './share/seeder.js'
import { filesChanged, ShareService } from './share/share-service.js'
import { TaskTracker } from './tasks.js'
import { CatalogService } from './catalog/catalog-service.js'
import { entrySource } from './catalog/entry.js'
import type { PointerStore } from './catalog/pointers.js'
import { CatalogTransport } from './share/catalog-transport.js'
import type { Manifest } from './share/manifest.js'
import { join } from 'node:path'
import { dataLayout, type DataLayout } from './paths.js'
import { VERSION } from './version.js'
import { DownloadStore } from './get/download-store.js'
import { TransferManager } from './get/transfer-manager.js'
import { originStarter } from './get/origin-starter.js'
import type { ServerEvent } from './api/types.js'
import { SwarmCensus } from './dht/swarm-census.js'

const log = logger('node')

/** How long the catalog waits for the DHT to join before it starts anyway. */
const DHT_JOIN_WAIT_MS = 10_000
/** How many of a search's first results get their peers counted. */
const COUNTED_RESULTS = 25
/** How long a get of a name the catalog lacks waits for a catalog round (the CLI waits 30 s for its answer). */
const GET_REFRESH_WAIT_MS = 15_000

/** A small string store over a level sublevel (pointer state, merged catalogs). */
function levelStore (db: Level<string, unknown>, name: string): PointerStore {
  const sub = db.sublevel<string, string>(name, { valueEncoding: 'utf8' })
  return {
    get: async key => await sub.get(key),
    put: async (key, value) => { await sub.put(key, value) }
  }
}

export interface NodeInit {
  config: SilmarilConfig
  dataDir: string
  identity: Identity
}

/** The composition root: one database, one torrent client, one DHT shared by both. */
export class SilmarilNode extends EventEmitter {
  readonly config: SilmarilConfig
  readonly identity: Identity
  readonly layout: DataLayout
  readonly tasks = new TaskTracker()
  #db: Level<string, unknown> | undefined
  #client: WebTorrent | undefined
  #store: ModelStore | undefined
  #seeder: Seeder | undefined
  #share: ShareService | undefined
  #catalog: CatalogService | undefined
  #transfers: TransferManager | undefined
  #catalogStarted: Promise<void> | undefined
  #catalogFiles: CatalogTransport | undefined
  #dht: DhtNode | undefined
  #census: SwarmCensus | undefined
  #startedAt = 0
  #starting: Promise<void> | undefined
  #stopping: Promise<void> | undefined

  constructor (init: NodeInit) {
    super()
    this.config = init.config
    this.identity = init.identity
    this.layout = dataLayout(init.dataDir)
  }

  get db (): Level<string, unknown> {
    if (this.#db === undefined) throw new Error('node is not started')
    return this.#db
  }

  get dht (): DhtNode | undefined { return this.#dht }

  get catalog (): CatalogService {
    if (this.#catalog === undefined) throw new Error('node is not started')
    return this.#catalog
  }

  get transfers (): TransferManager {
    if (this.#transfers === undefined) throw new Error('node is not started')
    return this.#transfers
  }

  get share (): ShareService {
    if (this.#share === undefined) throw new Error('node is not started')
    return this.#share
  }

  async start (): Promise<void> {
    this.#starting ??= this.#start()
    return await this.#starting
  }

  async #start (): Promise<void> {
    this.#startedAt = Date.now()
    await mkdir(this.layout.models, { recursive: true })
    await mkdir(this.layout.staging, { recursive: true })
    this.#db = new Level<string, unknown>(this.layout.db, { valueEncoding: 'json' })
    await this.#db.open()

    const { default: WebTorrentClient } = await import('webtorrent')
    const net = this.config.network
    const limitBps = (kbps: number): number => kbps > 0 ? kbps * 1024 : -1
    const client = new WebTorrentClient({
      maxConns: net.max_connections,
      tracker: net.disable_trackers ? false : {},
      dht: net.dht_enabled ? dhtOptions({ bootstrap: net.bootstrap_nodes }) : false,
      lsd: false,
      utPex: true,
      natUpnp: net.nat_traversal,
      natPmp: net.nat_traversal,
      utp: net.utp,
      torrentPort: net.listen_port,
      dhtPort: net.listen_port,
      downloadLimit: limitBps(this.config.limits.download_limit_kbps),
      uploadLimit: limitBps(this.config.limits.upload_limit_kbps)
    })
    this.#client = client
    client.on('error', (err: Error) => { this.emit('error', err) })
    client.on('warning', (err: Error) => { log('torrent warning: %s', err.message) })
    await new Promise<void>(resolve => {
      if (client.listening) resolve()
      else client.once('listening', () => { resolve() })
    })
    if (net.dht_enabled) {
      this.#dht = new DhtNode({ dht: client.dht as never }, {})
      this.#dht.on('warning', (err: Error) => { log('dht warning: %s', err.message) })
      const dht = this.#dht
      this.#census = new SwarmCensus({ findPeers: async infohash => await dht.findPeers(infohash) })
    }
    this.#store = new ModelStore(this.#db)
    this.#seeder = new Seeder({ client })
    this.#catalogFiles = new CatalogTransport({ client }, { dir: join(this.layout.root, 'catalog') })
    const catalog = new CatalogService(
      { ...this.#dht === undefined ? {} : { dht: this.#dht }, files: this.#catalogFiles, identity: this.identity, store: levelStore(this.#db, 'pointers') },
      { publishers: this.config.discovery.publishers, blockedPublishers: this.config.policy.blocked_publishers, refreshIntervalMs: this.config.discovery.refresh_interval * 1000 }
    )
    catalog.on('warning', (err: Error) => { this.emit('warning', err) })
    catalog.on('refreshed', (result: unknown) => { this.emit('catalog-refreshed', result) })
    this.#catalog = catalog
    this.#share = new ShareService(
      { store: this.#store, hashCache: new HashCache(this.#db), seeder: this.#seeder, tasks: this.tasks, listener: this.#catalogListener(catalog) },
      { config: this.config, identity: this.identity, layout: this.layout }
    )
    const transfers = new TransferManager(
      { client, downloads: new DownloadStore(this.#db), models: this.#store, seeder: this.#seeder, entries: () => catalog.entries(), refreshCatalog: async () => { await this.#refreshForGet(catalog) }, origin: originStarter(this.config.torrent.origin_fallback_s) },
      { config: this.config, layout: this.layout }
    )
    transfers.on('event', (event: ServerEvent) => { this.emit('event', event) })
    catalog.on('refreshed', () => {
      const status = catalog.status()
      this.emit('event', { type: 'catalog', entries: status.entries, live: status.live, last_refresh: status.last_refresh } satisfies ServerEvent)
    })
    this.#transfers = transfers
    log('started: torrent port %d, dht port %d', client.torrentPort, client.dhtPort)
    void this.#resumeSeeding().then(async () => { await transfers.start() })
    this.#catalogStarted = this.#startCatalog(catalog)
  }

  /** A get's one catalog round, once the catalog has started; bounded so that the request answers. */
  async #refreshForGet (catalog: CatalogService): Promise<void> {
    const round = (async () => {
      await this.#catalogStarted
      await catalog.refresh()
    })().catch((err: Error) => { this.emit('warning', err) })
    await Promise.race([round, new Promise<void>(resolve => setTimeout(resolve, GET_REFRESH_WAIT_MS).unref())])
  }

  /** The catalog starts once the DHT has joined (bounded), in the background: the API answers meanwhile. */
  async #startCatalog (catalog: CatalogService): Promise<void> {
    try {
      if (this.#dht !== undefined) await Promise.race([this.#dht.ready(), new Promise(resolve => setTimeout(resolve, DHT_JOIN_WAIT_MS).unref())])
      await catalog.start()
    } catch (err) {
      this.emit('warning', new Error(`the catalog did not start: ${(err as Error).message}`))
    }
  }

  /** Entries for models this node publishes (its own manifests), tombstones when they are withdrawn. */
  #catalogListener (catalog: CatalogService): { shared: (record: ModelRecord, manifest: Manifest) => Promise<void>, unshared: (record: ModelRecord) => Promise<void> } {
    return {
      shared: async (record, manifest) => {
        if (manifest.publisher !== this.identity.publisherId) return
        const format = typeof manifest.format['format'] === 'string' ? manifest.format['format'] : 'other'
        const source = entrySource(manifest.source)
        await catalog.addOwn({
          name: record.name,
          revision: record.revision,
          license: record.license,
          tags: manifest.tags,
          description: manifest.description,
          size: record.size,
          files: record.file_count,
          format,
          infohash: record.infohash,
          infohash_v2: record.infohash_v2,
          ...source === undefined ? {} : { source }
        })
      },
      unshared: async record => { await catalog.revoke(record.name, record.revision) }
    }
  }

  /** Seeds every model that was seeding before; files unchanged since their last check are not re-hashed. */
  async #resumeSeeding (): Promise<void> {
    const store = this.#store
    const seeder = this.#seeder
    if (store === undefined || seeder === undefined) return
    for (const record of await store.list()) {
      if (!record.seeding) continue
      try {
        const verify = await filesChanged(record)
        await seeder.seed(record, { verify })
        this.emit('resumed', { name: record.name, infohash: record.infohash, rechecked: verify })
      } catch (err) {
        if (this.#client === undefined) return
        this.emit('warning', new Error(`cannot resume seeding ${record.name}: ${(err as Error).message}`))
      }
    }
  }

  async stop (): Promise<void> {
    this.#stopping ??= this.#stop()
    return await this.#stopping
  }

  async #stop (): Promise<void> {
    await this.#starting?.catch(() => {})
    await this.#catalogStarted
    this.#census?.stop()
    await this.#catalog?.stop()
    await this.#transfers?.stop()
    const client = this.#client
    this.#client = undefined
    this.#dht = undefined
    this.#census = undefined
    this.#share = undefined
    this.#seeder = undefined
    this.#catalog = undefined
    this.#transfers = undefined
    if (client !== undefined) await new Promise<void>(resolve => { client.destroy(() => { resolve() }) })
    await this.#db?.close()
  }

  /** Searches the merged catalog; with `refresh`, after a network round. */
  async discover (query: SearchQuery, { refresh = false } = {}): Promise<DiscoveredModel[]> {
    await this.#catalogStarted
    const catalog = this.catalog
    if (refresh) await catalog.refresh()
    const found = await catalog.search(query)
    // Peer counts come from memory; the first results shown get counted in the background.
    this.#census?.request(found.slice(0, COUNTED_RESULTS).map(e => e.infohash))
    return found.map(e => {
      const swarm = this.#census?.count(e.infohash)
      return {
        name: e.name,
        revision: e.revision,
        license: e.license,
        tags: [...e.tags],
        description: e.description,
        size: e.size,
        files: e.files,
        format: e.format,
        infohash: e.infohash,
        infohash_v2: e.infohash_v2,
        publisher: e.publisher,
        updated: e.updated,
        ...swarm === undefined ? {} : { peers: swarm.peers }
      }
    })
  }

  async torrentFile (name: string): Promise<Buffer | undefined> {
    const record = await this.#store?.get(name)
    return record === undefined ? undefined : Buffer.from(record.torrent, 'base64')
  }

  /** Registered models, then folders under models/ that carry a manifest but are not registered yet. */
  async listModels (): Promise<LocalModel[]> {
    const records = await this.#store?.list() ?? []
    const registered = new Set(records.map(r => r.path))
    const listed = records.map(r => this.#localModel(r))
    const unregistered = (await scanModels(this.layout.models)).filter(m => !registered.has(m.path))
    return [...listed, ...unregistered].sort((a, b) => a.name.localeCompare(b.name))
  }

  #localModel (record: ModelRecord): LocalModel {
    const torrent = this.#seeder?.torrent(record.infohash)
    return {
      name: record.name,
      revision: record.revision,
      license: record.license,
      path: record.path,
      size: record.size,
      files: record.file_count,
      origin: record.origin,
      publisher: record.publisher,
      infohash: record.infohash,
      infohash_v2: record.infohash_v2,
      magnet: record.magnet,
      seeding: record.seeding && torrent !== undefined,
      ...torrent === undefined ? {} : { peers: torrent.numPeers, uploaded: torrent.uploaded, upload_bps: Math.round(torrent.uploadSpeed) }
    }
  }

  dhtNodes (): DhtPeerInfo[] {
    return this.#dht?.nodes() ?? []
  }

  snapshot (): NodeSnapshot {
    const client = this.#client
    const torrents = (client?.torrents ?? []).filter(t => this.#catalogFiles?.owns(t.infoHash) !== true)
    return {
      version: VERSION,
      pid: process.pid,
      started_at: new Date(this.#startedAt).toISOString(),
      uptime_s: Math.round((Date.now() - this.#startedAt) / 1000),
      data_dir: this.layout.root,
      publisher: { id: this.identity.publisherId, fingerprint: this.identity.fingerprint },
      dht: {
        enabled: this.config.network.dht_enabled,
        port: this.#dht?.address()?.port ?? null,
        nodes: this.#dht?.nodeCount() ?? 0,
        ready: this.#dht?.isReady() ?? false
      },
      torrent: { port: client?.address()?.port ?? null },
      transfers: {
        total: torrents.length,
        downloading: torrents.filter(t => !t.done).length,
        seeding: torrents.filter(t => t.done).length
      },
      peers: torrents.reduce((sum, t) => sum + t.numPeers, 0),
      rates: { download_bps: client?.downloadSpeed ?? 0, upload_bps: client?.uploadSpeed ?? 0 },
      tasks: this.tasks.list(),
      catalog: this.#catalog?.status() ?? null
    }
  }
}

export function createNode (init: NodeInit): SilmarilNode {
  return new SilmarilNode(init)
}
