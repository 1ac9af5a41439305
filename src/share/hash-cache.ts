import type { Level } from 'level'
import type { ScannedFile } from './scan.js'
import type { FileHashes } from './torrent/index.js'

interface CachedHashes {
  size: number
  mtimeMs: number
  ino: number
  sha256: string
  piecesRoot: string | null
  pieceLayer: string
  v1Pieces: string
}

type Db = Level<string, unknown>

/**
 * Hashes of files already hashed, keyed by absolute path, piece length and tail padding, valid
 * while the file keeps its size, mtime and inode. Re-sharing a model after a metadata change then
 * hashes only the new manifest, not gigabytes of weights.
 */
export class HashCache {
  readonly #hashes: ReturnType<Db['sublevel']>

  constructor (db: Db) {
    this.#hashes = db.sublevel<string, CachedHashes>('hashes', { valueEncoding: 'json' }) as unknown as ReturnType<Db['sublevel']>
  }

  async lookup (file: ScannedFile, pieceLength: number, tailPadded: boolean): Promise<FileHashes | undefined> {
    const cached = await this.#hashes.get(key(file, pieceLength, tailPadded)) as CachedHashes | undefined
    if (cached === undefined || cached.size !== file.size || cached.mtimeMs !== file.mtimeMs || cached.ino !== file.ino) return undefined
    return {
      path: file.path,
      size: file.size,
      sha256: cached.sha256,
      piecesRoot: cached.piecesRoot === null ? null : Buffer.from(cached.piecesRoot, 'base64'),
      pieceLayer: Buffer.from(cached.pieceLayer, 'base64'),
      v1Pieces: Buffer.from(cached.v1Pieces, 'base64'),
      v1TailPadded: tailPadded
    }
  }

  async store (file: ScannedFile, pieceLength: number, hashes: FileHashes): Promise<void> {
    const value: CachedHashes = {
      size: file.size,
      mtimeMs: file.mtimeMs,
      ino: file.ino,
      sha256: hashes.sha256,
      piecesRoot: hashes.piecesRoot === null ? null : Buffer.from(hashes.piecesRoot).toString('base64'),
      pieceLayer: Buffer.from(hashes.pieceLayer).toString('base64'),
      v1Pieces: Buffer.from(hashes.v1Pieces).toString('base64')
    }
    await this.#hashes.put(key(file, pieceLength, hashes.v1TailPadded), value)
  }
}

function key (file: ScannedFile, pieceLength: number, tailPadded: boolean): string {
  return `${pieceLength}:${tailPadded ? 1 : 0}:${file.absolutePath}`
}
