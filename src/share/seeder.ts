import type WebTorrent from 'webtorrent'
import type { Torrent } from 'webtorrent'
import { SilmarilError } from '../errors.js'
import { logger } from '../log.js'
import type { ModelRecord } from '../models/model-store.js'
import { PadAwareStore } from './pad-store.js'

const log = logger('share:seeder')
const READY_TIMEOUT_MS = 10 * 60 * 1000

export interface SeedOptions {
  /** Check every piece against the data first (after a change on disk); otherwise trust it. */
  verify: boolean
}

/** Seeds model torrents from their folders through the pad-aware store. */
export class Seeder {
  readonly #client: WebTorrent

  constructor (components: { client: WebTorrent }) {
    this.#client = components.client
  }

  torrent (infohash: string): Torrent | undefined {
    return this.#client.torrents.find(t => t.infoHash === infohash)
  }

  async seed (record: ModelRecord, options: SeedOptions): Promise<Torrent> {
    const existing = this.torrent(record.infohash)
    if (existing !== undefined) return existing
    const torrent = this.#client.add(Buffer.from(record.torrent, 'base64'), {
      path: record.path,
      store: PadAwareStore,
      storeOpts: { folder: record.path },
      // A partial model is always checked, so only the pieces it holds are offered; deselect: a
      // seed never fetches what it lacks.
      skipVerify: !(options.verify || record.partial === true),
      deselect: true,
      private: record.skip_dht,
      announce: []
    })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { cleanup(); reject(new SilmarilError('io', `checking ${record.name} took longer than ${READY_TIMEOUT_MS / 60000} minutes`)) }, READY_TIMEOUT_MS)
      const onReady = (): void => { cleanup(); resolve() }
      const onError = (err: Error): void => { cleanup(); reject(new SilmarilError('io', `cannot seed ${record.name}: ${err.message}`, { cause: err })) }
      const cleanup = (): void => { clearTimeout(timer); torrent.off('ready', onReady); torrent.off('error', onError) }
      torrent.once('ready', onReady)
      torrent.once('error', onError)
    })
    log('seeding %s (%s) from %s', record.name, record.infohash, record.path)
    return torrent
  }

  async stop (infohash: string): Promise<void> {
    if (this.torrent(infohash) === undefined) return
    await new Promise<void>((resolve, reject) => {
      this.#client.remove(infohash, { destroyStore: false }, err => { if (err === null || err === undefined) resolve(); else reject(err) }).catch(reject)
    })
  }
}
