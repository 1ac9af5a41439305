import { mkdir, open, stat, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { LiveEntry } from '../catalog/entry-types.js'
import { SilmarilError } from '../errors.js'
import { logger } from '../log.js'
import { parseModelName } from '../models/names.js'
import { MANIFEST_FILE, parseManifest, type Manifest } from '../share/manifest.js'
import { choosePieceLength, createHybridTorrent, hashFiles, parseHybridTorrent, type ParsedHybridTorrent } from '../share/torrent/index.js'
import type { ProgressSnapshot } from './download-store.js'
import { fetchRange, fetchWhole, OriginAgents } from './origin-fetch.js'
import { originFileUrl } from './origin-url.js'

const log = logger('get:origin')

export const DEFAULTS = {
  /** Bytes asked for in one Range request; a restart re-fetches at most this much of a file. */
  chunkBytes: 8 * 1024 * 1024,
  /** A request that receives no bytes for this long fails (and is tried again). */
  timeoutMs: 30_000,
  /** Tries of one request that fails in a way that may pass (timeouts, resets, 5xx) before giving up. */
  attempts: 5,
  /** The wait before the first retry; it doubles with each. */
  retryMs: 1000
} as const

/** The largest manifest fetched from an origin, as parseManifest allows. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024

export interface OriginDownloadRequest {
  source: { url: string, commit?: string }
  /** The staging folder: files go to `<staging>/<path>`; bytes already there are kept and continued. */
  staging: string
  /** The catalog entry the result must match. */
  entry: Pick<LiveEntry, 'publisher' | 'name' | 'revision' | 'size' | 'files' | 'infohash' | 'infohash_v2'>
  /** Refuse an unsigned manifest (`security.verify_manifests`). */
  requireSignature: boolean
  signal: AbortSignal
  onBytes?: (bytes: number) => void
  /** The bytes staged so far, by file (those continued from an earlier run included), after each write. */
  onProgress?: (progress: ProgressSnapshot) => void
  /** Every file is staged; hashing them all against the manifest and the entry begins (a minute or more for a large model). */
  onVerifying?: () => void
  /** @default DEFAULTS.chunkBytes */
  chunkBytes?: number
  /** @default DEFAULTS.timeoutMs */
  timeoutMs?: number
  /** @default DEFAULTS.attempts */
  attempts?: number
  /** @default DEFAULTS.retryMs */
  retryMs?: number
}

export interface OriginDownload {
  manifest: Manifest
  /** The rebuilt torrent's info dictionary; its infohashes are the entry's. */
  info: Uint8Array
  torrent: ParsedHybridTorrent
}

/**
 * Fetches a whole model from its origin alone, for when no peer has even the metadata: the
 * manifest (schema, signature, the entry's publisher, name, revision, size and file count), then
 * every file it lists with Range requests into the staging folder, continuing what is there. Each
 * file's sha256 must match the manifest, and the hybrid torrent rebuilt from the folder (piece
 * length by the fixed rule) must have both of the entry's infohashes. Errors are
 * `verification_failed` (nothing staged is worth keeping), or `network` with
 * `details.permanent` false when trying again later may succeed.
 */
export async function downloadFromOrigin (request: OriginDownloadRequest): Promise<OriginDownload> {
  const { entry, staging, signal } = request
  const fileUrl = originFileUrl(request.source)
  const manifestUrl = fileUrl(MANIFEST_FILE)
  const timeoutMs = request.timeoutMs ?? DEFAULTS.timeoutMs
  const fetched = await fetchWhole(manifestUrl, { maxBytes: MAX_MANIFEST_BYTES, timeoutMs, signal })
  checkAborted(signal)
  if (!Buffer.isBuffer(fetched)) {
    throw new SilmarilError('network', `the origin does not serve ${MANIFEST_FILE} at ${manifestUrl} (${fetched.reason}); a model with no peers online can be fetched from its origin only when the origin holds its signed manifest`, {
      details: { url: manifestUrl, permanent: fetched.missing }
    })
  }
  const manifest = checkManifest(fetched, manifestUrl, request)
  await mkdir(staging, { recursive: true })
  await writeFile(join(staging, MANIFEST_FILE), fetched)
  log('fetching %s (%d files) from %s', manifest.name, manifest.files.length, request.source.url)

  const agents = new OriginAgents()
  const staged = stagedBytes([{ path: MANIFEST_FILE, size: fetched.length }, ...manifest.files], request.onProgress)
  staged(MANIFEST_FILE, fetched.length)
  try {
    for (const file of manifest.files) {
      await fetchFile(request, fileUrl(file.path), join(staging, file.path), file.size, agents, bytes => { staged(file.path, bytes) })
    }
  } finally {
    agents.destroy()
  }

  request.onVerifying?.()
  const content = manifest.files.reduce((sum, f) => sum + f.size, 0)
  const pieceLength = choosePieceLength(content)
  const inputs = [...manifest.files, { path: MANIFEST_FILE, size: fetched.length }].map(f => ({ path: f.path, absolutePath: join(staging, f.path), size: f.size }))
  const hashes = await hashFiles(inputs, { pieceLength, signal })
  const sha256 = new Map(manifest.files.map(f => [f.path, f.sha256]))
  for (const hash of hashes) {
    const want = sha256.get(hash.path)
    if (hash.path !== MANIFEST_FILE && hash.sha256 !== want) {
      throw new SilmarilError('verification_failed', `${hash.path} from the origin (${fileUrl(hash.path)}) has sha256 ${hash.sha256}, the manifest says ${want ?? '(not listed)'}`, {
        details: { url: fileUrl(hash.path), path: hash.path }
      })
    }
  }
  const built = createHybridTorrent({ name: parseModelName(manifest.name).name, pieceLength, files: hashes })
  if (built.infoHashV1 !== entry.infohash || built.infoHashV2 !== entry.infohash_v2) {
    throw new SilmarilError('verification_failed',
      `the files from the origin ${request.source.url} match their manifest, but the torrent rebuilt from them (piece length ${pieceLength}) has infohashes ${built.infoHashV1} / ${built.infoHashV2}, ` +
      `not the catalog entry's ${entry.infohash} / ${entry.infohash_v2} (was it shared with another piece length?)`, { details: { url: request.source.url } })
  }
  return { manifest, info: built.info, torrent: parseHybridTorrent(built.torrent) }
}

/** One bit per piece (most significant first, as on the wire): set for the pieces of `paths`. */
export function piecesOf (torrent: ParsedHybridTorrent, paths: ReadonlySet<string>): Uint8Array {
  const count = torrent.pieces.length / 20
  const bits = new Uint8Array(Math.ceil(count / 8))
  for (const file of torrent.files) {
    if (file.pad || file.size === 0 || !paths.has(file.path)) continue
    const last = Math.floor((file.offset + file.size - 1) / torrent.pieceLength)
    for (let piece = Math.floor(file.offset / torrent.pieceLength); piece <= last; piece++) bits[piece >> 3]! |= 0x80 >> (piece & 7)
  }
  return bits
}

function checkManifest (bytes: Buffer, url: string, { entry, requireSignature }: OriginDownloadRequest): Manifest {
  const { manifest, signed } = parseManifest(bytes, url)
  const wrong = (what: string): SilmarilError => new SilmarilError('verification_failed', `${url}: ${what}`, { details: { url } })
  if (requireSignature && !signed) throw wrong('the manifest is not signed, and security.verify_manifests requires a signature')
  if (manifest.publisher !== entry.publisher) {
    throw wrong(`the manifest is signed by ${manifest.publisher.slice(0, 16)}…, not by the catalog entry's publisher ${entry.publisher.slice(0, 16)}…`)
  }
  if (manifest.name !== entry.name || manifest.revision !== entry.revision) {
    throw wrong(`the manifest is for ${manifest.name} ${manifest.revision}, the catalog entry for ${entry.name} ${entry.revision}`)
  }
  const size = manifest.files.reduce((sum, f) => sum + f.size, bytes.length)
  if (manifest.files.length + 1 !== entry.files || size !== entry.size) {
    throw wrong(`the manifest lists ${manifest.files.length + 1} files of ${size} bytes (itself included), the catalog entry ${entry.files} of ${entry.size}; the origin holds another version`)
  }
  return manifest
}

/** Counts the bytes staged of each file; returns the setter of one file's count, which reports them all. */
function stagedBytes (files: Array<{ path: string, size: number }>, onProgress: OriginDownloadRequest['onProgress']): (path: string, bytes: number) => void {
  const counts = new Map(files.map(f => [f.path, 0]))
  const total = files.reduce((sum, f) => sum + f.size, 0)
  return (path, bytes) => {
    counts.set(path, bytes)
    if (onProgress === undefined) return
    const rows = files.map(f => ({ path: f.path, size: f.size, done_bytes: counts.get(f.path) ?? 0, selected: true }))
    onProgress({ done: rows.reduce((sum, f) => sum + f.done_bytes, 0), total, files: rows })
  }
}

/** Fetches `url` into `path` up to `size` bytes, continuing after what is there; `staged` hears how much is on disk. */
async function fetchFile (request: OriginDownloadRequest, url: string, path: string, size: number, agents: OriginAgents, staged: (bytes: number) => void): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const have = await stat(path).then(s => s.size, () => 0)
  let at = have > size ? 0 : have
  const handle = await open(path, at === 0 ? 'w' : 'r+')
  try {
    if (at > 0) log('%s: continuing after %d of %d bytes', url, at, size)
    staged(at)
    const chunk = Buffer.allocUnsafe(Math.max(1, Math.min(request.chunkBytes ?? DEFAULTS.chunkBytes, size)))
    while (at < size) {
      const length = Math.min(chunk.length, size - at)
      await fetchChunk(request, url, at, length, size, chunk.subarray(0, length), agents)
      await handle.write(chunk, 0, length, at)
      at += length
      staged(at)
    }
  } finally {
    await handle.close()
  }
}

async function fetchChunk (request: OriginDownloadRequest, url: string, start: number, length: number, fileLength: number, into: Uint8Array, agents: OriginAgents): Promise<void> {
  const attempts = request.attempts ?? DEFAULTS.attempts
  let wait: number = request.retryMs ?? DEFAULTS.retryMs
  for (let attempt = 1; ; attempt++) {
    const outcome = await fetchRange({
      url,
      start,
      length,
      fileLength,
      into,
      timeoutMs: request.timeoutMs ?? DEFAULTS.timeoutMs,
      signal: request.signal,
      onBytes: request.onBytes ?? (() => {}),
      agents
    })
    checkAborted(request.signal)
    if (outcome === 'ok') return
    if (outcome.scope !== 'request' || attempt >= attempts) {
      const why = outcome.scope === 'request' ? `${outcome.reason} (tried ${attempt} times)` : outcome.reason
      throw new SilmarilError('network', `the origin cannot serve ${url} bytes ${start}-${start + length - 1}: ${why}`, {
        details: { url, permanent: outcome.scope !== 'request' }
      })
    }
    log('%s bytes %d+%d: %s; trying again in %d ms', url, start, length, outcome.reason, wait)
    await sleep(wait, undefined, { signal: request.signal }).catch(() => {})
    checkAborted(request.signal)
    wait *= 2
  }
}

function checkAborted (signal: AbortSignal): void {
  if (signal.aborted) throw new SilmarilError('interrupted', 'the origin download was stopped')
}
