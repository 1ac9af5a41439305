import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type WebTorrent from 'webtorrent'
import type { Torrent } from 'webtorrent'
import { CATALOG_FILE_NAME, type CatalogFiles } from '../catalog/catalog-service.js'
import { SilmarilError } from '../errors.js'
import { logger } from '../log.js'
import { PadAwareStore } from './pad-store.js'
import { choosePieceLength, createHybridTorrent, hashFiles } from './torrent/index.js'

const log = logger('share:catalog')

/** How often a fetch asks the DHT for peers again: torrent-discovery alone waits 15 minutes. */
const LOOKUP_INTERVAL_MS = 1000

export const CATALOG_TORRENT_NAME = CATALOG_FILE_NAME

export interface FetchOptions {
  timeoutMs: number
  maxBytes: number
  signal?: AbortSignal
}

/**
 * Moves catalog files over BitTorrent: seeds the node's merged catalog as a deterministic hybrid
 * single-file torrent (the same entries give the same infohash on every node) and fetches other
 * nodes' catalogs by infohash, bounded in size and time. Only the current catalog is seeded.
 */
export class CatalogTransport implements CatalogFiles {
  readonly #client: WebTorrent
  readonly #dir: string
  #seeding: { infohash: string, torrent: Torrent } | undefined
  readonly #fetching = new Set<string>()

  constructor (components: { client: WebTorrent }, init: { dir: string }) {
    this.#client = components.client
    this.#dir = init.dir
  }

  get seedingInfohash (): string | undefined { return this.#seeding?.infohash }

  /** Whether a torrent is one of ours (the catalog seeded or one being fetched), not a model transfer. */
  owns (infohash: string): boolean {
    return this.#seeding?.infohash === infohash || this.#fetching.has(infohash)
  }

  /** The catalog seeded last, kept on disk across restarts. */
  async current (): Promise<Uint8Array | undefined> {
    return await readFile(join(this.#dir, 'current', CATALOG_TORRENT_NAME)).catch(() => undefined)
  }

  /** Seeds `bytes` as the node's catalog, replacing the previous one; returns the v1 infohash. */
  async seed (bytes: Uint8Array): Promise<{ infohash: string, infohashV2: string }> {
    const folder = join(this.#dir, 'current')
    const file = join(folder, CATALOG_TORRENT_NAME)
    await mkdir(folder, { recursive: true })
    const temp = `${file}.tmp`
    await writeFile(temp, bytes)
    const pieceLength = choosePieceLength(bytes.length)
    const [hashes] = await hashFiles([{ path: CATALOG_TORRENT_NAME, absolutePath: temp, size: bytes.length }], { pieceLength, workers: 1 })
    const torrent = createHybridTorrent({ name: CATALOG_TORRENT_NAME, pieceLength, files: [hashes!] })
    if (this.#seeding?.infohash === torrent.infoHashV1) {
      await rm(temp, { force: true })
      return { infohash: torrent.infoHashV1, infohashV2: torrent.infoHashV2 }
    }
    await this.#stopSeeding()
    await rename(temp, file)
    const added = this.#client.add(Buffer.from(torrent.torrent), { path: folder, store: PadAwareStore, storeOpts: { folder }, skipVerify: true, announce: [] })
    await ready(added, 'the catalog torrent')
    this.#seeding = { infohash: torrent.infoHashV1, torrent: added }
    log('seeding catalog %s (%d bytes)', torrent.infoHashV1, bytes.length)
    return { infohash: torrent.infoHashV1, infohashV2: torrent.infoHashV2 }
  }

  async #stopSeeding (): Promise<void> {
    const current = this.#seeding
    this.#seeding = undefined
    if (current !== undefined && !current.torrent.destroyed) await removeTorrent(this.#client, current.torrent)
  }

  /** Downloads a catalog torrent by infohash from whoever seeds it and returns the file's bytes. */
  async fetch (infohash: string, options: FetchOptions): Promise<Uint8Array> {
    if (!/^[0-9a-f]{40}$/.test(infohash)) throw SilmarilError.badRequest(`"${infohash}" is not a v1 infohash`)
    if (this.#seeding?.infohash === infohash) return await readFile(join(this.#dir, 'current', CATALOG_TORRENT_NAME))
    const existing = this.#client.torrents.find(t => t.infoHash === infohash)
    if (existing !== undefined) await removeTorrent(this.#client, existing)
    const folder = join(this.#dir, `fetch-${infohash}`)
    await rm(folder, { recursive: true, force: true })
    this.#fetching.add(infohash)
    const torrent = this.#client.add(`magnet:?xt=urn:btih:${infohash}`, { path: folder, store: PadAwareStore, storeOpts: { folder }, announce: [] })
    try {
      await new Promise<void>((resolve, reject) => {
        const fail = (err: SilmarilError): void => { cleanup(); reject(err) }
        const timer = setTimeout(() => { fail(new SilmarilError('network', `no peer served catalog ${infohash} within ${options.timeoutMs} ms`)) }, options.timeoutMs)
        const onAbort = (): void => { fail(new SilmarilError('interrupted', 'the catalog fetch was cancelled')) }
        const onMetadata = (): void => {
          const files = torrent.files.filter(f => !f.path.includes('/.pad/'))
          if (files.length !== 1 || torrent.length > options.maxBytes) {
            fail(new SilmarilError('verification_failed', `catalog ${infohash} is not a single file of at most ${options.maxBytes} bytes`))
          }
        }
        const onDone = (): void => { cleanup(); resolve() }
        const onError = (err: Error): void => { fail(new SilmarilError('network', `catalog ${infohash}: ${err.message}`)) }
        const lookups = setInterval(() => { this.#lookup(infohash) }, LOOKUP_INTERVAL_MS)
        const cleanup = (): void => {
          clearTimeout(timer)
          clearInterval(lookups)
          options.signal?.removeEventListener('abort', onAbort)
          torrent.off('metadata', onMetadata)
          torrent.off('done', onDone)
          torrent.off('error', onError)
        }
        options.signal?.addEventListener('abort', onAbort)
        torrent.on('metadata', onMetadata)
        torrent.on('done', onDone)
        torrent.on('error', onError)
        if (torrent.done) onDone()
      })
      const file = torrent.files.find(f => !f.path.includes('/.pad/'))
      if (file === undefined) throw new SilmarilError('verification_failed', `catalog ${infohash} has no file`)
      return await readFile(join(folder, file.path.split('/').slice(1).join('/') || file.name))
    } finally {
      if (!torrent.destroyed) await removeTorrent(this.#client, torrent).catch(() => {})
      await rm(folder, { recursive: true, force: true })
      this.#fetching.delete(infohash)
    }
  }

  /** A fresh DHT lookup; found peers reach the torrent through torrent-discovery's listener. */
  #lookup (infohash: string): void {
    const dht = this.#client.dht as { lookup?: (infohash: string) => void } | false | undefined
    if (typeof dht === 'object' && typeof dht.lookup === 'function') dht.lookup(infohash)
  }

  async stop (): Promise<void> {
    await this.#stopSeeding()
  }
}

async function ready (torrent: Torrent, what: string): Promise<void> {
  if (torrent.ready) return
  await new Promise<void>((resolve, reject) => {
    torrent.once('ready', () => { resolve() })
    torrent.once('error', (err: Error) => { reject(new SilmarilError('io', `cannot seed ${what}: ${err.message}`)) })
  })
}

async function removeTorrent (client: WebTorrent, torrent: Torrent): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    client.remove(torrent.infoHash, { destroyStore: false }, err => { if (err === null || err === undefined) resolve(); else reject(err) }).catch(reject)
  })
}
