import { EventEmitter } from 'node:events'
import { mkdir, rm, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type WebTorrent from 'webtorrent'
import type { DownloadRequest, ServerEvent, TransferInfo, TransferState } from '../api/types.js'
import type { LiveEntry } from '../catalog/entry-types.js'
import type { SilmarilConfig } from '../config/schema.js'
import { SilmarilError } from '../errors.js'
import { logger } from '../log.js'
import { parseModelName } from '../models/names.js'
import type { ModelRecord, ModelStore } from '../models/model-store.js'
import type { DataLayout } from '../paths.js'
import { filesChanged } from '../share/share-service.js'
import { MANIFEST_FILE, parseManifest, type Manifest } from '../share/manifest.js'
import type { Seeder } from '../share/seeder.js'
import type { ParsedHybridTorrent } from '../share/torrent/index.js'
import { SwarmDownload } from './download.js'
import { DownloadStore, type DownloadRecord } from './download-store.js'
import { installDownload } from './install.js'
import { checkLicensePolicy, checkPublisherPolicy, checkSpace } from './policy.js'
import { resolveGet, type ResolvedGet } from './resolve-request.js'
import { selectPaths } from './selection.js'
import { downloadInfo, seedInfo, type DownloadView } from './transfer-info.js'
import { verifyDownload } from './verify.js'
import type { OriginStarter } from './origin-starter.js'
import { downloadFromOrigin, piecesOf } from './origin-download.js'

const log = logger('get')

/** Progress events per transfer at most this often; state changes go out at once. */
const PROGRESS_EVENT_MS = 500

export interface TransferManagerComponents {
  client: WebTorrent
  downloads: DownloadStore
  models: ModelStore
  seeder: Seeder
  /** The merged catalog's live entries. */
  entries: () => Iterable<LiveEntry>
  /** One catalog round on the network (bounded), for a get whose name the node does not hold yet. */
  refreshCatalog?: () => Promise<void>
  /** Starts the HTTP origin fallback for a download whose manifest names a source. */
  origin?: OriginStarter
}

export interface TransferManagerInit {
  config: SilmarilConfig
  layout: DataLayout
}

interface Active extends DownloadView {
  /** Set once the manifest was read and the files selected. */
  manifest?: Manifest
  /** The installed folder this download replaces (an older revision of the same model). */
  replaces?: string
  lastProgress: number
  /** When data last arrived (or the download started), for `torrent.download_timeout`. */
  lastData: number
  watchdog?: NodeJS.Timeout
  stopOrigin?: () => void
  /** Fires `torrent.origin_fallback_s` after a start without metadata, when the entry names an origin. */
  originTimer?: NodeJS.Timeout
  /** The whole model being fetched from its origin, the swarm stopped (no peer had the metadata). */
  originRun?: { controller: AbortController, done: Promise<void> }
}

/**
 * Downloads and seeds as transfers: resolves a get, applies policy, queues beyond
 * `limits.max_concurrent_downloads`, drives each SwarmDownload through verify and install, keeps
 * every download's state in level so a restart (or a crash) resumes where it was, and emits a
 * ServerEvent for every change (`event`).
 */
export class TransferManager extends EventEmitter {
  readonly #c: TransferManagerComponents
  readonly #init: TransferManagerInit
  readonly #downloads = new Map<string, Active>()
  #stopped = false

  constructor (components: TransferManagerComponents, init: TransferManagerInit) {
    super()
    this.#c = components
    this.#init = init
  }

  async start (): Promise<void> {
    for (const record of await this.#c.downloads.list()) {
      if (this.#stopped) return
      if (this.#downloads.has(record.id)) continue
      const view: Active = { record, swarm: undefined, staging: this.#staging(record.id), verification: { state: 'pending', detail: null }, lastProgress: 0, lastData: 0 }
      this.#downloads.set(record.id, view)
      if (record.state !== 'failed' && !record.paused) record.state = 'queued'
    }
    this.#pump()
  }

  async stop (): Promise<void> {
    this.#stopped = true
    for (const view of this.#downloads.values()) {
      await this.#detach(view)
      await this.#c.downloads.put(view.record).catch(() => {})
    }
  }

  /**
   * A name the catalog does not hold may have been published since the last round (or before the
   * first one finished): the network is asked once before the get is refused.
   */
  async #resolve (request: DownloadRequest): Promise<ResolvedGet> {
    const { policy } = this.#init.config
    try {
      return resolveGet(request, this.#c.entries(), policy)
    } catch (err) {
      if (!(err instanceof SilmarilError) || err.code !== 'not_found' || this.#c.refreshCatalog === undefined) throw err
      log('%s is not in the catalog; asking the network', request.ref)
      await this.#c.refreshCatalog()
      return resolveGet(request, this.#c.entries(), policy, { askedNetwork: true })
    }
  }

  async download (request: DownloadRequest): Promise<TransferInfo> {
    const { config } = this.#init
    const resolved = await this.#resolve(request)
    const existing = this.#downloads.get(resolved.infohash)
    if (existing !== undefined) {
      if (existing.record.state !== 'failed') return this.#info(existing, false)
      // Asked again after a failure (e.g. now with --accept-license, as the refusal says): this request's options apply.
      Object.assign(existing.record, requestOptions(request))
      return await this.resume(existing.record.id)
    }
    const installed = (await this.#c.models.list()).find(m => m.infohash === resolved.infohash)
    if (installed !== undefined) return seedInfo(installed, this.#c.seeder.torrent(installed.infohash), false)

    const entry = resolved.entry
    const name = resolved.name ?? entry?.name ?? null
    if (entry !== undefined) {
      checkPublisherPolicy(entry.publisher, config.policy, entry.name)
      checkLicensePolicy(entry.license, config.policy, request.accept_license === true, entry.name)
      await this.#checkTarget(entry.name, request.output)
      await checkSpace({ dir: this.#init.layout.staging, needed: entry.size, used: await this.#usedBytes(), quotaGb: config.limits.disk_quota_gb })
    }
    const record: DownloadRecord = {
      id: resolved.infohash,
      infohash_v2: resolved.infohashV2,
      magnet: resolved.magnet,
      name,
      revision: entry?.revision ?? null,
      publisher: entry?.publisher ?? null,
      license: entry?.license ?? null,
      ...requestOptions(request),
      paused: false,
      state: 'queued',
      error: null,
      info: null,
      bitfield: null,
      origin_bytes: 0,
      started_at: new Date().toISOString(),
      completed_at: null
    }
    await this.#c.downloads.put(record)
    const view: Active = { record, swarm: undefined, staging: this.#staging(record.id), verification: { state: 'pending', detail: null }, lastProgress: 0, lastData: 0 }
    this.#downloads.set(record.id, view)
    log('queued %s (%s)', name ?? record.id, record.id)
    this.#emitState(view, null)
    this.#pump()
    return this.#info(view, false)
  }

  async list (): Promise<TransferInfo[]> {
    const downloads = [...this.#downloads.values()].map(v => this.#info(v, false))
    const seeds = (await this.#c.models.list()).filter(m => !this.#downloads.has(m.infohash)).map(m => seedInfo(m, this.#c.seeder.torrent(m.infohash), false))
    return [...downloads, ...seeds]
  }

  async get (id: string): Promise<TransferInfo> {
    const view = this.#downloads.get(id)
    if (view !== undefined) return this.#info(view, true)
    const model = await this.#model(id)
    return seedInfo(model, this.#c.seeder.torrent(model.infohash), true)
  }

  async pause (id: string): Promise<TransferInfo> {
    const view = this.#downloads.get(id)
    if (view === undefined) {
      const model = await this.#model(id)
      await this.#c.seeder.stop(model.infohash)
      const paused = { ...model, seeding: false, updated: new Date().toISOString() }
      await this.#c.models.put(paused)
      const info = seedInfo(paused, undefined, false)
      this.#emit({ type: 'transfer-state', id, state: 'paused', previous: 'seeding', transfer: info })
      return info
    }
    if (view.record.paused || view.record.state === 'failed') return this.#info(view, false)
    const previous = view.record.state
    view.record.paused = true
    await this.#detach(view)
    await this.#c.downloads.put(view.record)
    this.#emit({ type: 'transfer-state', id, state: 'paused', previous, transfer: this.#info(view, false) })
    this.#pump()
    return this.#info(view, false)
  }

  async resume (id: string): Promise<TransferInfo> {
    const view = this.#downloads.get(id)
    if (view === undefined) {
      const model = await this.#model(id)
      const seeding = { ...model, seeding: true, updated: new Date().toISOString() }
      await this.#c.models.put(seeding)
      await this.#c.seeder.seed(seeding, { verify: await filesChanged(model) })
      const info = seedInfo(seeding, this.#c.seeder.torrent(model.infohash), false)
      this.#emit({ type: 'transfer-state', id, state: 'seeding', previous: 'paused', transfer: info })
      return info
    }
    const previous: TransferState = view.record.paused ? 'paused' : view.record.state
    if (!view.record.paused && view.record.state !== 'failed') return this.#info(view, false)
    view.record.paused = false
    view.record.error = null
    view.record.state = 'queued'
    view.verification = { state: 'pending', detail: null }
    await this.#c.downloads.put(view.record)
    this.#emit({ type: 'transfer-state', id, state: 'queued', previous, transfer: this.#info(view, false) })
    this.#pump()
    return this.#info(view, false)
  }

  /** Stops a download and removes what it staged; seeds are withdrawn with `silmaril unshare`. */
  async cancel (id: string): Promise<{ id: string, cancelled: true }> {
    const view = this.#downloads.get(id)
    if (view === undefined) {
      const model = await this.#model(id)
      throw new SilmarilError('conflict', `${model.name} is installed and seeding, not downloading; stop seeding it with "silmaril transfers pause ${id.slice(0, 12)}" or remove it with "silmaril unshare ${model.name}"`)
    }
    this.#downloads.delete(id)
    await this.#detach(view)
    await this.#c.downloads.delete(id)
    await rm(view.staging, { recursive: true, force: true })
    log('cancelled %s', id)
    this.#emit({ type: 'transfer-removed', id })
    this.#pump()
    return { id, cancelled: true }
  }

  /** Resolves an id or a unique prefix of one (12 characters are plenty) to a download or a model. */
  async resolveId (idOrPrefix: string): Promise<string> {
    const models = await this.#c.models.list()
    const wanted = idOrPrefix.toLowerCase()
    const ids = new Set([...this.#downloads.keys(), ...models.map(m => m.infohash)])
    if (ids.has(wanted)) return wanted
    const matches = [...ids].filter(id => id.startsWith(wanted))
    const byName = models.filter(m => m.name === idOrPrefix).map(m => m.infohash)
    const found = matches.length === 1 ? matches : byName.length === 1 ? byName : []
    if (found[0] === undefined) {
      throw matches.length > 1
        ? SilmarilError.usage(`"${idOrPrefix}" matches ${matches.length} transfers; give more of the id`)
        : SilmarilError.notFound(`no transfer ${idOrPrefix}; list them with "silmaril transfers"`)
    }
    return found[0]
  }

  async #model (id: string): Promise<ModelRecord> {
    const model = (await this.#c.models.list()).find(m => m.infohash === id)
    if (model === undefined) throw SilmarilError.notFound(`no transfer ${id}; list them with "silmaril transfers"`)
    return model
  }

  #staging (id: string): string { return join(this.#init.layout.staging, id) }

  #info (view: DownloadView, details: boolean): TransferInfo {
    return downloadInfo(view, details)
  }

  /** Starts queued downloads while fewer than the limit run. */
  #pump (): void {
    if (this.#stopped) return
    const limit = Math.max(1, this.#init.config.limits.max_concurrent_downloads)
    const views = [...this.#downloads.values()]
    let running = views.filter(v => v.swarm !== undefined || v.originRun !== undefined).length
    for (const view of views.sort((a, b) => a.record.started_at.localeCompare(b.record.started_at))) {
      if (running >= limit) break
      if (view.swarm !== undefined || view.record.paused || view.record.state !== 'queued') continue
      running++
      void this.#activate(view).catch(err => { this.#fail(view, SilmarilError.from(err)) })
    }
  }

  async #activate (view: Active): Promise<void> {
    const { record } = view
    await mkdir(view.staging, { recursive: true })
    const swarm = new SwarmDownload({
      client: this.#c.client,
      id: record.id,
      magnet: record.magnet,
      staging: view.staging,
      info: record.info === null ? null : Buffer.from(record.info, 'base64'),
      bitfield: record.bitfield === null ? null : Buffer.from(record.bitfield, 'base64'),
      selection: { include: record.include, exclude: record.exclude }
    })
    // Trusted once: a crash after this start leaves no bitfield, and the staged data is hashed again.
    record.bitfield = null
    await this.#c.downloads.put(record)
    view.swarm = swarm
    swarm.on('metadata', (parsed: ParsedHybridTorrent) => { void this.#onMetadata(view, parsed).catch(err => { this.#fail(view, SilmarilError.from(err)) }) })
    swarm.on('manifest', (bytes: Buffer) => { void this.#onManifest(view, bytes).catch(err => { this.#fail(view, SilmarilError.from(err)) }) })
    swarm.on('progress', () => { view.lastData = Date.now(); this.#progress(view) })
    this.#watch(view)
    swarm.on('banned', (address: string, piece: number) => {
      this.#emit({ type: 'error', code: 'verification_failed', message: `piece ${piece} from ${address} failed verification; the peer is banned`, transfer_id: record.id })
    })
    swarm.on('complete', () => { void this.#complete(view).catch(err => { this.#fail(view, SilmarilError.from(err)) }) })
    swarm.on('failed', (err: SilmarilError) => { this.#fail(view, err) })
    // With the metadata known, webtorrent first re-hashes what is staged (after a crash, all of it).
    swarm.once('ready', () => {
      view.lastData = Date.now()
      if (view.record.state === 'checking') this.#setState(view, 'downloading')
    })
    this.#setState(view, record.info === null ? 'metadata' : 'checking')
    swarm.start()
    if (record.info === null) await this.#armOrigin(view, swarm)
  }

  /**
   * With no metadata after `torrent.origin_fallback_s` seconds and an entry naming the model's
   * origin, fetches the whole model from the origin instead (at once when an earlier run had
   * started to: its manifest is staged). Once begun, the origin path finishes; the swarm is stopped.
   */
  async #armOrigin (view: Active, swarm: SwarmDownload): Promise<void> {
    const seconds = this.#init.config.torrent.origin_fallback_s
    if (this.#c.origin === undefined || seconds <= 0) return
    const begun = await stat(join(view.staging, MANIFEST_FILE)).then(() => true, () => false)
    if (view.swarm === swarm) this.#scheduleOrigin(view, swarm, begun ? 0 : seconds * 1000)
  }

  /** Checks again later while there is no entry with a source: after a restart the catalog may load after the transfers. */
  #scheduleOrigin (view: Active, swarm: SwarmDownload, ms: number): void {
    clearTimeout(view.originTimer)
    view.originTimer = setTimeout(() => {
      view.originTimer = undefined
      if (view.swarm !== swarm || swarm.parsed !== undefined || view.record.paused) return
      const { record } = view
      const entry = [...this.#c.entries()].find(e => e.infohash === record.id && e.source !== undefined && (record.publisher === null || e.publisher === record.publisher))
      if (entry === undefined) this.#scheduleOrigin(view, swarm, this.#init.config.torrent.origin_fallback_s * 1000)
      else this.#fromOrigin(view, swarm, entry)
    }, ms)
    view.originTimer.unref()
  }

  #fromOrigin (view: Active, swarm: SwarmDownload, entry: LiveEntry): void {
    const { record } = view
    const source = entry.source
    if (source === undefined) return
    log('%s: no metadata from peers; fetching it from the origin %s', record.name ?? record.id, source.url)
    swarm.removeAllListeners()
    view.swarm = undefined
    const controller = new AbortController()
    const done = (async () => {
      await swarm.stop()
      const fetched = await downloadFromOrigin({
        source,
        staging: view.staging,
        entry,
        requireSignature: this.#init.config.security.verify_manifests,
        signal: controller.signal,
        onBytes: count => {
          record.origin_bytes += count
          view.lastData = Date.now()
        },
        onProgress: progress => {
          record.progress = progress
          if (record.state === 'metadata') this.#setState(view, 'downloading')
          this.#progress(view)
        },
        onVerifying: () => { this.#setState(view, 'verifying') }
      })
      const { torrent } = fetched
      const selected = selectPaths(torrent.files.filter(f => !f.pad).map(f => f.path), { include: record.include, exclude: record.exclude })
      for (const file of torrent.files) if (!file.pad && !selected.has(file.path)) await rm(join(view.staging, file.path), { force: true })
      // Verified above: the swarm download that installs it trusts these pieces (and checks one per file).
      record.info = Buffer.from(fetched.info).toString('base64')
      record.infohash_v2 = torrent.infoHashV2
      record.bitfield = Buffer.from(piecesOf(torrent, selected)).toString('base64')
      await this.#c.downloads.put(record)
    })()
    view.originRun = { controller, done }
    done.then(async () => {
      view.originRun = undefined
      if (controller.signal.aborted || record.paused || this.#stopped || !this.#downloads.has(record.id)) return
      await this.#activate(view).catch((err: unknown) => { this.#fail(view, SilmarilError.from(err)) })
    }, async (err: unknown) => {
      view.originRun = undefined
      if (controller.signal.aborted) return
      const error = SilmarilError.from(err)
      // Only a failure that may pass keeps what was fetched, for "transfers resume" to continue.
      if (error.code !== 'network' || error.details?.['permanent'] !== false) {
        await rm(view.staging, { recursive: true, force: true })
        record.info = null
        record.bitfield = null
      }
      this.#fail(view, error)
    })
  }

  async #onMetadata (view: Active, parsed: ParsedHybridTorrent): Promise<void> {
    const { record } = view
    clearTimeout(view.originTimer)
    view.originTimer = undefined
    if (record.infohash_v2 !== null && record.infohash_v2 !== parsed.infoHashV2) {
      throw new SilmarilError('verification_failed', `the torrent's v2 infohash is ${parsed.infoHashV2}, not the ${record.infohash_v2} asked for`)
    }
    record.infohash_v2 = parsed.infoHashV2
    record.info = Buffer.from(parsed.info).toString('base64')
    await this.#c.downloads.put(record)
    this.#setState(view, 'downloading')
  }

  /** The manifest arrived first: check it and the policy before fetching anything else, then select the files. */
  async #onManifest (view: Active, bytes: Buffer): Promise<void> {
    const { record, swarm } = view
    const parsed = swarm?.parsed
    if (swarm === undefined || parsed === undefined) return
    const { manifest } = parseManifest(bytes, MANIFEST_FILE)
    const { config } = this.#init
    if (record.publisher !== null && manifest.publisher !== record.publisher) {
      throw new SilmarilError('verification_failed', `${MANIFEST_FILE} is signed by ${manifest.publisher.slice(0, 16)}…, not by the catalog entry's publisher ${record.publisher.slice(0, 16)}…`)
    }
    if (record.license !== null && manifest.license !== record.license) {
      throw new SilmarilError('verification_failed', `${MANIFEST_FILE} says license ${manifest.license} but the catalog entry says ${record.license}`)
    }
    checkPublisherPolicy(manifest.publisher, config.policy, manifest.name)
    checkLicensePolicy(manifest.license, config.policy, record.accept_license, manifest.name)
    if (record.name === null) await this.#checkTarget(manifest.name, record.output ?? undefined)
    view.replaces = (await this.#c.models.get(manifest.name))?.path
    // From the metadata on, progress counts the files the request selects.
    const { done, total } = swarm.progress()
    const needed = total - done
    await checkSpace({ dir: this.#init.layout.staging, needed: Math.max(0, needed), used: await this.#usedBytes(view), quotaGb: config.limits.disk_quota_gb })
    Object.assign(record, { name: manifest.name, revision: manifest.revision, license: manifest.license, publisher: record.publisher ?? manifest.publisher })
    view.manifest = manifest
    await this.#c.downloads.put(record)
    const origin = this.#c.origin
    if (origin !== undefined && manifest.source !== undefined && swarm.torrent !== undefined) {
      view.stopOrigin = origin(swarm.torrent, {
        source: manifest.source,
        manifest: bytes,
        onBytes: count => { record.origin_bytes += count },
        onError: err => { this.#emit({ type: 'error', code: err.code, message: `origin ${manifest.source?.url ?? ''}: ${err.message}`, transfer_id: record.id }) }
      })
    }
    swarm.select()
    this.#progress(view, true)
  }

  async #complete (view: Active): Promise<void> {
    const { record, swarm } = view
    const parsed = swarm?.parsed
    const selected = swarm?.selected
    if (swarm === undefined || parsed === undefined || selected === undefined) return
    view.stopOrigin?.()
    this.#setState(view, 'verifying')
    let verified
    try {
      verified = await verifyDownload({
        folder: view.staging,
        torrent: parsed,
        selected,
        streamed: await swarm.hashed(),
        ...record.publisher === null ? {} : { publisher: record.publisher },
        requireSignature: this.#init.config.security.verify_manifests
      })
    } catch (err) {
      const error = SilmarilError.from(err)
      view.verification = { state: 'failed', detail: error.message }
      await this.#detach(view)
      // What failed verification is never kept: a retry fetches it afresh.
      await rm(view.staging, { recursive: true, force: true })
      record.info = null
      record.bitfield = null
      throw error
    }
    view.verification = { state: 'passed', detail: `${verified.hashes.length} files match the torrent's v1 pieces and v2 roots and the ${verified.signed ? 'signed' : 'unsigned'} manifest's sha256` }
    this.#setState(view, 'installing')
    await this.#detach(view)
    const target = record.output ?? this.#modelDir(verified.manifest.name)
    const previous = await this.#c.models.get(verified.manifest.name)
    const installed = await installDownload({ staging: view.staging, target, torrent: parsed, verified, selected, ...view.replaces === undefined ? {} : { replaces: view.replaces } })
    if (previous !== undefined && previous.infohash !== installed.infohash) await this.#c.seeder.stop(previous.infohash)
    await this.#c.models.put(installed)
    await this.#c.downloads.delete(record.id)
    this.#downloads.delete(record.id)
    record.completed_at = new Date().toISOString()
    await this.#c.seeder.seed(installed, { verify: false })
    log('installed %s %s in %s', installed.name, installed.revision, installed.path)
    const info = { ...seedInfo(installed, this.#c.seeder.torrent(installed.infohash), false), started_at: record.started_at, completed_at: record.completed_at, origin_bytes: record.origin_bytes }
    this.#emit({ type: 'transfer-state', id: record.id, state: 'seeding', previous: 'installing', transfer: info })
    this.#pump()
  }

  #modelDir (name: string): string {
    const { org, name: model } = parseModelName(name)
    return join(this.#init.layout.models, org, model)
  }

  /** Refuses early when the install folder is taken by something that is not this model's earlier download. */
  async #checkTarget (name: string, output: string | undefined): Promise<void> {
    const existing = await this.#c.models.get(name)
    if (existing === undefined) return
    if (existing.origin === 'shared') {
      throw new SilmarilError('conflict', `${name} is a model you share from ${existing.path}; getting it would replace your own; unshare it first`)
    }
    if (output !== undefined && resolve(output) !== existing.path) {
      throw new SilmarilError('conflict', `${name} is already installed in ${existing.path}; a node holds one copy of a model, so remove it first ("silmaril unshare ${name} --delete") to install it in ${output}`)
    }
  }

  /** For the disk quota: installed models plus what the other running downloads will take, all of it reserved. */
  async #usedBytes (except?: Active): Promise<number> {
    const models = (await this.#c.models.list()).reduce((sum, m) => sum + m.size, 0)
    const staged = [...this.#downloads.values()].reduce((sum, v) => sum + (v === except ? 0 : v.swarm?.progress().total ?? 0), 0)
    return models + staged
  }

  /** Fails a download that gets no data for `torrent.download_timeout` seconds (0: waits forever). */
  #watch (view: Active): void {
    const timeoutMs = this.#init.config.torrent.download_timeout * 1000
    view.lastData = Date.now()
    if (timeoutMs <= 0) return
    view.watchdog = setInterval(() => {
      if (view.swarm === undefined || view.record.state === 'checking' || view.record.state === 'verifying' || view.record.state === 'installing') return
      if (Date.now() - view.lastData < timeoutMs) return
      this.#fail(view, new SilmarilError('network',
        `no data from peers${view.stopOrigin === undefined ? '' : ' or the origin'} for ${timeoutMs / 1000} s (torrent.download_timeout); ` +
        `the staged data is kept: "silmaril transfers resume ${view.record.id.slice(0, 12)}" tries again`))
    }, Math.min(timeoutMs, 1000))
    view.watchdog.unref()
  }

  async #detach (view: Active): Promise<void> {
    clearInterval(view.watchdog)
    clearTimeout(view.originTimer)
    view.originTimer = undefined
    view.stopOrigin?.()
    view.stopOrigin = undefined
    const run = view.originRun
    if (run !== undefined) {
      run.controller.abort()
      await run.done.catch(() => {})
      view.originRun = undefined
    }
    const swarm = view.swarm
    view.swarm = undefined
    if (swarm === undefined) return
    const bits = swarm.bitfield()
    if (bits !== null) view.record.bitfield = Buffer.from(bits).toString('base64')
    const progress = swarm.verifiedProgress()
    if (progress.total > 0) view.record.progress = progress
    await swarm.stop()
  }

  #fail (view: Active, error: SilmarilError): void {
    if (!this.#downloads.has(view.record.id) || view.record.state === 'failed') return
    log('%s failed: %s', view.record.name ?? view.record.id, error.message)
    view.record.error = error.toJSON()
    void this.#detach(view).then(async () => {
      // Refused before any file was chosen: nothing of it stays on disk.
      if (error.code === 'policy' || error.code === 'usage') {
        await rm(view.staging, { recursive: true, force: true })
        view.record.bitfield = null
      }
      this.#setState(view, 'failed')
      this.#emit({ type: 'error', code: error.code, message: error.message, transfer_id: view.record.id })
      await this.#c.downloads.put(view.record)
      this.#pump()
    })
  }

  #setState (view: Active, state: TransferState): void {
    const previous = view.record.state
    if (previous === state) return
    view.record.state = state
    void this.#c.downloads.put(view.record).catch(() => {})
    this.#emitState(view, previous)
  }

  #emitState (view: Active, previous: TransferState | null): void {
    this.#emit({ type: 'transfer-state', id: view.record.id, state: view.record.paused ? 'paused' : view.record.state, previous, transfer: this.#info(view, false) })
  }

  #progress (view: Active, force = false): void {
    const now = Date.now()
    if (!force && now - view.lastProgress < PROGRESS_EVENT_MS) return
    view.lastProgress = now
    this.#emit({ type: 'transfer', transfer: this.#info(view, false) })
  }

  #emit (event: ServerEvent): void {
    this.emit('event', event)
  }
}

/** The parts of a download record that come from the user's request. */
function requestOptions (request: DownloadRequest): Pick<DownloadRecord, 'include' | 'exclude' | 'output' | 'accept_license'> {
  return {
    include: request.include ?? [],
    exclude: request.exclude ?? [],
    output: request.output === undefined ? null : resolve(request.output),
    accept_license: request.accept_license === true
  }
}
