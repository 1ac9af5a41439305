import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { SilmarilError } from '../errors.js'
import { MANIFEST_FILE, parseManifest, type Manifest } from '../share/manifest.js'
import { hashFiles, PieceLayerBuilder, type FileHashes, type ParsedHybridTorrent, type TorrentFileEntry } from '../share/torrent/index.js'
import { SHA1_BYTES } from '../share/torrent/piece-hasher.js'
import type { StreamedHashes } from './download-hasher.js'

export interface VerifyRequest {
  folder: string
  torrent: ParsedHybridTorrent
  /** Torrent paths fetched; only these are checked (the manifest is always among them). */
  selected: ReadonlySet<string>
  /** The catalog entry's publisher, when the get came through the catalog. */
  publisher?: string
  /** Refuse a manifest without a signature (`security.verify_manifests`). */
  requireSignature: boolean
  /**
   * Hashes computed from the pieces as they were stored, by path (see `DownloadHasher`): those
   * files are not read again. Their v1 pieces are the torrent's own, which webtorrent checked
   * each piece against; their v2 roots and sha256 are checked here like any other file's.
   */
  streamed?: ReadonlyMap<string, StreamedHashes>
  signal?: AbortSignal
  onProgress?: (done: number, total: number) => void
}

export interface VerifiedDownload {
  manifest: Manifest
  signed: boolean
  /** Hashes of the fetched files, in torrent order (for the piece layers of the installed torrent). */
  hashes: FileHashes[]
}

/**
 * Checks a finished download before it may be installed: the manifest (schema, signature, the
 * entry's publisher, the same files as the torrent), then every fetched file's size, v1 pieces,
 * v2 pieces root and the manifest's sha256, from one read of the data (none for files hashed as
 * they were stored: see `VerifyRequest.streamed`). Any mismatch throws a
 * `verification_failed` error naming the file and what differed.
 */
export async function verifyDownload (request: VerifyRequest): Promise<VerifiedDownload> {
  const { folder, torrent, selected } = request
  const manifestBytes = await readFile(join(folder, MANIFEST_FILE)).catch((err: NodeJS.ErrnoException) => {
    throw new SilmarilError('verification_failed', `the download has no ${MANIFEST_FILE} (${err.code ?? err.message}); a Silmaril model carries its signed manifest`)
  })
  const { manifest, signed } = parseManifest(manifestBytes, MANIFEST_FILE)
  if (request.requireSignature && !signed) {
    throw new SilmarilError('verification_failed', `${MANIFEST_FILE} is not signed, and security.verify_manifests requires a signature`)
  }
  if (request.publisher !== undefined && manifest.publisher !== request.publisher) {
    throw new SilmarilError('verification_failed',
      `${MANIFEST_FILE} is signed by ${manifest.publisher.slice(0, 16)}…, not by the catalog entry's publisher ${request.publisher.slice(0, 16)}…`)
  }
  checkSameFiles(manifest, torrent)

  const content = torrent.files.filter(f => !f.pad)
  const wanted = content.filter(f => selected.has(f.path))
  for (const file of wanted) {
    const size = await stat(join(folder, file.path)).then(s => s.size, () => -1)
    if (size !== file.size) throw new SilmarilError('verification_failed', `${file.path}: ${size < 0 ? 'missing' : `${size} bytes on disk`}, the torrent says ${file.size}`)
  }
  const paddedAfter = new Map(torrent.files.map((f, i) => [f.path, torrent.files[i + 1]?.pad === true]))
  const total = wanted.reduce((sum, f) => sum + f.size, 0)
  const streamed = new Map(wanted.flatMap(file => {
    const hashes = request.streamed?.get(file.path)
    return hashes === undefined ? [] : [[file.path, streamedFileHashes(torrent, file, hashes, paddedAfter.get(file.path) ?? false)]]
  }))
  const unread = wanted.filter(f => !streamed.has(f.path))
  const streamedBytes = total - unread.reduce((sum, f) => sum + f.size, 0)
  const fromDisk = await hashFiles(unread.map(f => ({ path: f.path, absolutePath: join(folder, f.path), size: f.size })), {
    pieceLength: torrent.pieceLength,
    tailPadded: path => paddedAfter.get(path) ?? false,
    ...request.signal === undefined ? {} : { signal: request.signal },
    onProgress: done => { request.onProgress?.(streamedBytes + done, total) }
  })
  const read = new Map(fromDisk.map(h => [h.path, h]))
  const hashes = wanted.map(f => streamed.get(f.path) ?? read.get(f.path)!)
  const sha256 = new Map(manifest.files.map(f => [f.path, f.sha256]))
  for (const hash of hashes) {
    const file = wanted.find(f => f.path === hash.path)!
    const root = file.piecesRoot === null ? null : Buffer.from(file.piecesRoot).toString('hex')
    const got = hash.piecesRoot === null ? null : Buffer.from(hash.piecesRoot).toString('hex')
    if (root !== got) throw new SilmarilError('verification_failed', `${file.path}: its v2 pieces root is ${got ?? 'none'}, the torrent says ${root ?? 'none'}`)
    const firstPiece = file.offset / torrent.pieceLength
    const expected = torrent.pieces.subarray(firstPiece * SHA1_BYTES, firstPiece * SHA1_BYTES + hash.v1Pieces.length)
    if (!Buffer.from(expected).equals(hash.v1Pieces)) throw new SilmarilError('verification_failed', `${file.path}: its v1 piece hashes differ from the torrent's`)
    const want = sha256.get(file.path)
    if (file.path !== MANIFEST_FILE && want !== hash.sha256) {
      throw new SilmarilError('verification_failed', `${file.path}: its sha256 is ${hash.sha256}, the manifest says ${want ?? '(not listed)'}`)
    }
  }
  return { manifest, signed, hashes }
}

/** A streamed file's hashes in the verifier's shape; its v1 pieces are the torrent's, which webtorrent checked. */
function streamedFileHashes (torrent: ParsedHybridTorrent, file: TorrentFileEntry, hashes: StreamedHashes, tailPadded: boolean): FileHashes {
  const layer = new PieceLayerBuilder(file.size, torrent.pieceLength)
  layer.setMany(0, hashes.nodes)
  const firstPiece = file.offset / torrent.pieceLength
  const v1Pieces = torrent.pieces.slice(firstPiece * SHA1_BYTES, (firstPiece + layer.shape.pieces) * SHA1_BYTES)
  return { path: file.path, size: file.size, sha256: hashes.sha256, ...layer.finish(), v1Pieces, v1TailPadded: tailPadded }
}

/** The manifest must list exactly the torrent's files (besides itself), with the same sizes. */
function checkSameFiles (manifest: Manifest, torrent: ParsedHybridTorrent): void {
  const inTorrent = new Map(torrent.files.filter(f => !f.pad && f.path !== MANIFEST_FILE).map(f => [f.path, f.size]))
  if (!torrent.files.some(f => f.path === MANIFEST_FILE)) throw new SilmarilError('verification_failed', `the torrent has no ${MANIFEST_FILE}`)
  for (const file of manifest.files) {
    const size = inTorrent.get(file.path)
    if (size === undefined) throw new SilmarilError('verification_failed', `${MANIFEST_FILE} lists ${file.path}, which the torrent does not hold`)
    if (size !== file.size) throw new SilmarilError('verification_failed', `${file.path}: the manifest says ${file.size} bytes, the torrent ${size}`)
    inTorrent.delete(file.path)
  }
  const extra = [...inTorrent.keys()][0]
  if (extra !== undefined) throw new SilmarilError('verification_failed', `the torrent holds ${extra}, which ${MANIFEST_FILE} does not list`)
}
