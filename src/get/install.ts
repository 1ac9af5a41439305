import { cp, mkdir, rename, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { SilmarilError } from '../errors.js'
import type { ModelRecord } from '../models/model-store.js'
import { magnetUri, type ParsedHybridTorrent } from '../share/torrent/index.js'
import type { VerifiedDownload } from './verify.js'
import { torrentFromInfo } from './torrent-bytes.js'

export interface InstallRequest {
  staging: string
  target: string
  torrent: ParsedHybridTorrent
  verified: VerifiedDownload
  /** Paths fetched (all of the torrent's files unless --include/--exclude). */
  selected: ReadonlySet<string>
  /** The folder the same model was installed in before (an older revision), replaced by this one. */
  replaces?: string
}

/**
 * Moves a verified staging folder to its place in one rename (a copy, then a rename, across file
 * systems), replacing the previous revision's folder only once the new one is in place, and
 * returns the record that registers it.
 */
export async function installDownload (request: InstallRequest): Promise<ModelRecord> {
  const { staging, target, torrent, verified } = request
  await mkdir(dirname(target), { recursive: true })
  const aside = await moveAside(target, request.replaces)
  try {
    await moveFolder(staging, target)
  } catch (err) {
    if (aside !== undefined) await rename(aside, target).catch(() => {})
    throw new SilmarilError('io', `cannot move the download into ${target}: ${(err as Error).message}`, { cause: err })
  }
  if (aside !== undefined) await rm(aside, { recursive: true, force: true })

  const files = []
  for (const file of torrent.files) {
    if (file.pad || !request.selected.has(file.path)) continue
    const info = await stat(join(target, file.path))
    files.push({ path: file.path, size: info.size, mtimeMs: info.mtimeMs, ino: info.ino })
  }
  const manifest = verified.manifest
  const now = new Date().toISOString()
  const contentFiles = torrent.files.filter(f => !f.pad)
  return {
    name: manifest.name,
    revision: manifest.revision,
    license: manifest.license,
    path: target,
    origin: 'downloaded',
    publisher: manifest.publisher,
    infohash: torrent.infoHashV1,
    infohash_v2: torrent.infoHashV2,
    magnet: magnetUri({ infoHashV1: torrent.infoHashV1, infoHashV2: torrent.infoHashV2, name: torrent.name }),
    torrent: Buffer.from(torrentFromInfo(torrent.info, verified.hashes)).toString('base64'),
    size: files.reduce((sum, f) => sum + f.size, 0),
    file_count: files.length,
    files,
    seeding: true,
    skip_dht: false,
    ...files.length < contentFiles.length ? { partial: true } : {},
    added: now,
    updated: now
  }
}

/** An existing folder at the target: the model's previous revision moves aside; anything else is refused. */
async function moveAside (target: string, replaces: string | undefined): Promise<string | undefined> {
  const exists = await stat(target).then(() => true, () => false)
  if (!exists) return undefined
  if (replaces !== target) throw new SilmarilError('conflict', `${target} already exists and is not this model's earlier download; move it away or choose --output`)
  const aside = `${target}.old-${randomBytes(4).toString('hex')}`
  await rename(target, aside)
  return aside
}

async function moveFolder (from: string, to: string): Promise<void> {
  try {
    await rename(from, to)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err
    const partial = `${to}.partial-${randomBytes(4).toString('hex')}`
    try {
      await cp(from, partial, { recursive: true, errorOnExist: true, preserveTimestamps: true })
      await rename(partial, to)
    } catch (copyErr) {
      await rm(partial, { recursive: true, force: true })
      throw copyErr
    }
    await rm(from, { recursive: true, force: true })
  }
}
