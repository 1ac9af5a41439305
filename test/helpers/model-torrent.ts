import { randomBytes } from 'node:crypto'
import { readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { identityFromSeed, type Identity } from '../../src/identity.js'
import { buildManifest, manifestBytes, MANIFEST_FILE, type ManifestFile } from '../../src/share/manifest.js'
import { createHybridTorrent, hashFiles, parseHybridTorrent, sortTorrentFiles, type ParsedHybridTorrent } from '../../src/share/torrent/index.js'

export interface ModelTorrent {
  identity: Identity
  torrent: ParsedHybridTorrent
  bytes: Uint8Array
  magnet: string
}

/**
 * Signs a manifest for the files of `folder` (as `share` would, minus registration) and builds
 * its hybrid torrent: for tests that need a model torrent without a daemon. `tamper` edits the
 * manifest's file list before signing (a publisher lying about its files).
 */
export async function makeModelTorrent (folder: string, { name = 'acme/fixture', license = 'mit', identity = identityFromSeed(randomBytes(32)), pieceLength = 16384, sign = true, tamper = (files: ManifestFile[]) => files } = {}): Promise<ModelTorrent> {
  const paths = (await readdir(folder)).filter(p => p !== MANIFEST_FILE).sort()
  const inputs = await Promise.all(paths.map(async path => ({ path, absolutePath: join(folder, path), size: (await stat(join(folder, path))).size })))
  const content = await hashFiles(inputs, { pieceLength, tailPadded: () => true })
  const manifest = buildManifest({
    name, revision: 'main', license, tags: [], description: '',
    files: tamper(content.map(h => ({ path: h.path, size: h.size, sha256: h.sha256 }))), format: {}
  }, identity, { sign })
  await writeFile(join(folder, MANIFEST_FILE), manifestBytes(manifest))
  const all = [...inputs, { path: MANIFEST_FILE, absolutePath: join(folder, MANIFEST_FILE), size: (await stat(join(folder, MANIFEST_FILE))).size }]
  const hashes = await hashFiles(all, { pieceLength })
  const built = createHybridTorrent({ name: name.split('/')[1]!, pieceLength, files: sortTorrentFiles(hashes) })
  return { identity, torrent: parseHybridTorrent(built.torrent), bytes: built.torrent, magnet: built.magnet }
}
