import { randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, join, relative, resolve, sep } from 'node:path'
import type { ShareAllResult, ShareResult, UnshareResult } from '../api/types.js'
import type { SilmarilConfig } from '../config/schema.js'
import { SilmarilError } from '../errors.js'
import type { Identity } from '../identity.js'
import { logger } from '../log.js'
import { checkLicense, checkRevision, DEFAULT_REVISION, defaultOrg, normalizeTags, parseModelName, toNamePart } from '../models/names.js'
import type { ModelRecord, ModelStore } from '../models/model-store.js'
import type { DataLayout } from '../paths.js'
import type { TaskTracker } from '../tasks.js'
import { autoTags, detectFormat } from './format/index.js'
import { cloneRepository, nameFromUrl, publicUrl } from './git-source.js'
import type { HashCache } from './hash-cache.js'
import { buildManifest, MANIFEST_FILE, manifestBytes, parseManifest, sameManifestContent, type Manifest, type ParsedManifest } from './manifest.js'
import { scanModelFolder, type ScannedFile } from './scan.js'
import type { Seeder } from './seeder.js'
import { choosePieceLength, createHybridTorrent, hashFiles, sortTorrentFiles, validatePieceLength, type FileHashes } from './torrent/index.js'
import { paddedTails } from './torrent/v1-layout.js'

const log = logger('share')

export interface ShareFolderRequest {
  path: string
  name?: string
  license?: string
  revision?: string
  tags?: string[]
  description?: string
  pieceLength?: number
  sign?: boolean
  skipDht?: boolean
  source?: { url: string, commit?: string }
}

export interface ShareUrlRequest extends Omit<ShareFolderRequest, 'path' | 'source'> {
  url: string
  branch?: string
  /** 0 = full history. @default 1 */
  depth?: number
  skipLfs?: boolean
}

/** Told about every model shared or withdrawn, e.g. to publish catalog entries and tombstones. */
export interface ShareListener {
  shared (record: ModelRecord, manifest: Manifest): Promise<void>
  unshared (record: ModelRecord): Promise<void>
}

export interface ShareComponents {
  store: ModelStore
  hashCache: HashCache
  seeder: Seeder
  tasks: TaskTracker
  listener?: ShareListener
}



export interface ShareInit {
  config: SilmarilConfig
  identity: Identity
  layout: DataLayout
}

/** Turns model folders into signed manifests and hybrid torrents, registers and seeds them. */
export class ShareService {
  readonly #components: ShareComponents
  readonly #init: ShareInit
  /** One share per name at a time; a second waits for the first. */
  readonly #busy = new Map<string, Promise<unknown>>()

  constructor (components: ShareComponents, init: ShareInit) {
    this.#components = components
    this.#init = init
  }

  async shareFolder (request: ShareFolderRequest, signal?: AbortSignal): Promise<ShareResult> {
    const root = resolve(request.path)
    const files = await scanModelFolder(root)
    const existing = await readExistingManifest(root)
    const name = parseModelName(request.name ?? existing?.manifest.name ?? this.#defaultName(root)).full
    return await this.#exclusive(name, async () => await this.#shareFolder(request, root, files, existing, name, signal))
  }

  /** `<org>/<name>` for a folder laid out as `<data>/models/<org>/<name>`, else `<default org>/<folder name>`. */
  #defaultName (root: string): string {
    const inModels = relative(resolve(this.#init.layout.models), root).split(sep)
    if (inModels.length === 2 && !inModels[0]!.startsWith('..')) return `${toNamePart(inModels[0]!)}/${toNamePart(inModels[1]!)}`
    return `${defaultOrg(this.#init.config.share.default_org)}/${toNamePart(basename(root))}`
  }

  async #shareFolder (request: ShareFolderRequest, root: string, files: ScannedFile[], existing: ParsedManifest | undefined, name: string, signal?: AbortSignal): Promise<ShareResult> {
    const { store, seeder, tasks } = this.#components
    const licenseGiven = request.license ?? existing?.manifest.license
    if (licenseGiven === undefined) {
      throw SilmarilError.usage(`${root} has no manifest yet, so --license is required (for example --license mit or --license apache-2.0)`)
    }
    const license = checkLicense(licenseGiven)
    const revision = checkRevision(request.revision ?? existing?.manifest.revision ?? DEFAULT_REVISION)
    const previous = await store.get(name)
    if (previous !== undefined && resolve(previous.path) !== root) {
      throw new SilmarilError('conflict', `${name} is already shared from ${previous.path}; unshare it first or choose another --name`)
    }

    const contentBytes = files.reduce((sum, f) => sum + f.size, 0)
    const configured = this.#init.config.torrent.piece_length
    const pieceLength = validatePieceLength(request.pieceLength ?? (configured > 0 ? configured : choosePieceLength(contentBytes)))
    const manifestEntry = { path: MANIFEST_FILE, size: 1 }
    const order = sortTorrentFiles([...files, manifestEntry])
    const padded = paddedTails(order.map(o => o.size))
    const tails = new Map(order.map((f, i) => [f.path, padded[i] ?? false]))

    const task = tasks.start('hashing', name, contentBytes)
    let contentHashes: FileHashes[]
    try {
      contentHashes = await this.#hashWithCache(files, pieceLength, tails, (done) => { task.update(done) }, signal)
    } finally {
      task.end()
    }

    const format = await detectFormat(root, files.map(f => ({ path: f.path, size: f.size })))
    const sign = request.sign ?? this.#init.config.security.sign_manifests
    const fields = {
      name,
      revision,
      license,
      tags: normalizeTags([...(request.tags ?? existing?.manifest.tags ?? []), ...autoTags(format)]),
      description: request.description ?? existing?.manifest.description ?? '',
      ...(request.source ?? existing?.manifest.source) === undefined ? {} : { source: request.source ?? existing?.manifest.source },
      files: contentHashes.map(h => ({ path: h.path, size: h.size, sha256: h.sha256 })),
      format: format as unknown as Manifest['format']
    }
    const fresh = buildManifest(fields, this.#init.identity, { sign })
    const keep = existing !== undefined && sameManifestContent({ ...fresh, publisher: existing.manifest.publisher }, existing.manifest) &&
      (existing.signed || !sign)
    const manifest = keep ? existing.manifest : fresh
    const manifestPath = join(root, MANIFEST_FILE)
    if (!keep) await writeManifest(manifestPath, manifest)

    const manifestStat = await stat(manifestPath)
    const manifestFile: ScannedFile = { path: MANIFEST_FILE, absolutePath: manifestPath, size: manifestStat.size, mtimeMs: manifestStat.mtimeMs, ino: manifestStat.ino }
    const [manifestHashes] = await hashFiles([manifestFile], { pieceLength, tailPadded: path => tails.get(path) ?? false, signal })
    const torrent = createHybridTorrent({ name: parseModelName(name).name, pieceLength, files: sortTorrentFiles([...contentHashes, manifestHashes!]) })

    const allFiles = [...files, manifestFile]
    const now = new Date().toISOString()
    const record: ModelRecord = {
      name,
      revision,
      license,
      path: root,
      origin: previous?.origin ?? 'shared',
      publisher: manifest.publisher,
      infohash: torrent.infoHashV1,
      infohash_v2: torrent.infoHashV2,
      magnet: torrent.magnet,
      torrent: Buffer.from(torrent.torrent).toString('base64'),
      size: allFiles.reduce((sum, f) => sum + f.size, 0),
      file_count: allFiles.length,
      files: allFiles.map(f => ({ path: f.path, size: f.size, mtimeMs: f.mtimeMs, ino: f.ino })),
      seeding: true,
      skip_dht: request.skipDht ?? false,
      added: previous?.added ?? now,
      updated: now
    }
    const unchanged = previous !== undefined && previous.infohash === record.infohash && previous.seeding && previous.skip_dht === record.skip_dht
    if (previous !== undefined && previous.infohash !== record.infohash) await seeder.stop(previous.infohash)
    if (previous !== undefined && previous.skip_dht !== record.skip_dht) await seeder.stop(previous.infohash)
    await store.put(record)
    await seeder.seed(record, { verify: false })
    if (!record.skip_dht) await this.#components.listener?.shared(record, manifest)
    log('shared %s as %s', name, record.infohash)
    return resultOf(record, manifest.signature !== undefined, unchanged)
  }

  async #hashWithCache (files: ScannedFile[], pieceLength: number, tails: Map<string, boolean>, onProgress: (done: number) => void, signal?: AbortSignal): Promise<FileHashes[]> {
    const { hashCache } = this.#components
    const cached = new Map<string, FileHashes>()
    const missing: ScannedFile[] = []
    for (const file of files) {
      const hit = await hashCache.lookup(file, pieceLength, tails.get(file.path) ?? false)
      if (hit === undefined) missing.push(file)
      else cached.set(file.path, hit)
    }
    const cachedBytes = [...cached.values()].reduce((sum, h) => sum + h.size, 0)
    onProgress(cachedBytes)
    const fresh = missing.length === 0
      ? []
      : await hashFiles(missing, { pieceLength, tailPadded: path => tails.get(path) ?? false, signal, onProgress: done => { onProgress(cachedBytes + done) } })
    for (const hashes of fresh) {
      const file = missing.find(f => f.path === hashes.path)
      if (file !== undefined) await hashCache.store(file, pieceLength, hashes)
    }
    return sortTorrentFiles([...cached.values(), ...fresh])
  }

  /** Seeds a registered model again (after `unshare`, or to check it is seeding). */
  async shareModel (name: string): Promise<ShareResult> {
    const record = await this.#components.store.get(parseModelName(name).full)
    if (record === undefined) throw SilmarilError.notFound(`no local model named ${name}; share a folder with "silmaril share <path>"`)
    const changed = await filesChanged(record)
    const updated = { ...record, seeding: true, updated: new Date().toISOString() }
    await this.#components.store.put(updated)
    await this.#components.seeder.seed(updated, { verify: changed })
    const parsed = await readExistingManifest(record.path).catch(() => undefined)
    return resultOf(updated, parsed?.signed ?? false, !changed && record.seeding)
  }

  /**
   * Stops seeding a model and forgets it. Files stay unless `delete`, and even then only a folder
   * inside the data dir is deleted: a folder shared from elsewhere belongs to its owner.
   */
  async unshare (name: string, options: { delete?: boolean } = {}): Promise<UnshareResult> {
    const full = parseModelName(name).full
    return await this.#exclusive(full, async () => {
      const record = await this.#components.store.get(full)
      if (record === undefined) throw SilmarilError.notFound(`no local model named ${full}`)
      await this.#components.seeder.stop(record.infohash)
      await this.#components.listener?.unshared(record)
      await this.#components.store.delete(full)
      const inside = resolve(record.path).startsWith(resolve(this.#init.layout.models) + sep)
      const deleted = options.delete === true && inside
      if (deleted) await rm(record.path, { recursive: true, force: true })
      log('unshared %s%s', full, deleted ? ' and deleted its files' : '')
      return { name: full, infohash: record.infohash, deleted, path: record.path }
    })
  }

  /** Seeds every local model: registered ones under their own torrent, unregistered folders in models/ afresh. */
  async shareAll (): Promise<ShareAllResult> {
    const shared: ShareResult[] = []
    const failed: Array<{ name: string, error: { code: string, message: string } }> = []
    const records = await this.#components.store.list()
    const known = new Set(records.map(r => resolve(r.path)))
    const attempt = async (name: string, run: () => Promise<ShareResult>): Promise<void> => {
      try {
        shared.push(await run())
      } catch (err) {
        failed.push({ name, error: SilmarilError.from(err).toJSON() })
      }
    }
    for (const record of records) await attempt(record.name, async () => await this.shareModel(record.name))
    for (const folder of await modelFolders(this.#init.layout.models)) {
      if (!known.has(folder)) await attempt(folder, async () => await this.shareFolder({ path: folder }))
    }
    return { shared, failed }
  }

  /** Clones a repository into `<data>/models/<org>/<name>` (through staging, so nothing half-cloned stays) and shares it. */
  async shareUrl (request: ShareUrlRequest, signal?: AbortSignal): Promise<ShareResult> {
    const name = parseModelName(request.name ?? nameFromUrl(request.url))
    const dest = join(this.#init.layout.models, name.org, name.name)
    if (await exists(dest)) throw new SilmarilError('conflict', `${dest} already exists; share it with "silmaril share ${name.full}" or remove it first`)
    if (request.license === undefined) throw SilmarilError.usage('--license is required when sharing a repository (for example --license apache-2.0)')
    const staging = join(this.#init.layout.staging, `clone-${randomBytes(6).toString('hex')}`)
    await mkdir(this.#init.layout.staging, { recursive: true })
    const task = this.#components.tasks.start('cloning', name.full, 0)
    try {
      const { commit } = await cloneRepository({ url: request.url, dest: staging, depth: request.depth ?? 1, skipLfs: request.skipLfs ?? false, signal, ...request.branch === undefined ? {} : { branch: request.branch } })
      await mkdir(join(this.#init.layout.models, name.org), { recursive: true })
      await rename(staging, dest)
      const { url: _url, branch: _branch, depth: _depth, skipLfs: _skipLfs, ...rest } = request
      return await this.shareFolder({ ...rest, path: dest, name: name.full, source: { url: publicUrl(request.url), commit } }, signal)
    } finally {
      task.end()
      await rm(staging, { recursive: true, force: true })
    }
  }

  async #exclusive<T> (name: string, run: () => Promise<T>): Promise<T> {
    while (this.#busy.has(name)) await this.#busy.get(name)?.catch(() => {})
    const job = run()
    this.#busy.set(name, job)
    try {
      return await job
    } finally {
      this.#busy.delete(name)
    }
  }
}

function resultOf (record: ModelRecord, signed: boolean, unchanged: boolean): ShareResult {
  return {
    name: record.name,
    revision: record.revision,
    infohash: record.infohash,
    infohash_v2: record.infohash_v2,
    magnet: record.magnet,
    path: record.path,
    size: record.size,
    files: record.file_count,
    publisher: record.publisher,
    signed,
    unchanged
  }
}

async function exists (path: string): Promise<boolean> {
  return await stat(path).then(() => true, () => false)
}

async function readExistingManifest (root: string): Promise<ParsedManifest | undefined> {
  let bytes: Buffer
  try {
    bytes = await readFile(join(root, MANIFEST_FILE))
  } catch {
    return undefined
  }
  try {
    return parseManifest(bytes, join(root, MANIFEST_FILE))
  } catch (err) {
    log('ignoring an invalid manifest: %s', (err as Error).message)
    return undefined
  }
}

async function writeManifest (path: string, manifest: Manifest): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`
  try {
    await writeFile(temp, manifestBytes(manifest))
    await rename(temp, path)
  } catch (err) {
    await rm(temp, { force: true })
    const code = (err as NodeJS.ErrnoException).code
    throw SilmarilError.io(`cannot write ${path} (${code ?? (err as Error).message}); the model folder must be writable to hold its manifest`, err)
  }
}

/** Whether any file of a record changed on disk since it was last verified. */
export async function filesChanged (record: ModelRecord): Promise<boolean> {
  for (const file of record.files) {
    try {
      const info = await stat(join(record.path, file.path))
      if (info.size !== file.size || info.mtimeMs !== file.mtimeMs || info.ino !== file.ino) return true
    } catch {
      return true
    }
  }
  return false
}

async function modelFolders (modelsDir: string): Promise<string[]> {
  const folders: string[] = []
  for (const org of await readdir(modelsDir, { withFileTypes: true }).catch(() => [])) {
    if (!org.isDirectory()) continue
    for (const model of await readdir(join(modelsDir, org.name), { withFileTypes: true }).catch(() => [])) {
      if (model.isDirectory() && await exists(join(modelsDir, org.name, model.name, MANIFEST_FILE))) folders.push(join(modelsDir, org.name, model.name))
    }
  }
  return folders
}
