import { createHash } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { SilmarilError } from '../../errors.js'
import { logger } from '../../log.js'
import { checkStillEmpty, checkUnchanged, openScanned, readFully } from './file-reads.js'
import { HASH_BYTES, PieceLayerBuilder } from './merkle.js'
import { SHA1_BYTES, type PieceRange } from './piece-hasher.js'
import { validatePieceLength } from './piece-length.js'
import { SharedBufferPool, type SharedSlot } from './shared-buffers.js'
import { sortTorrentFiles } from './torrent-paths.js'
import { paddedTails } from './v1-layout.js'
import { HashWorkerPool, InlineHashPool, type HashPool } from './worker-pool.js'

const log = logger('share:hash')

/** Files are read in chunks of this size (or one piece, if larger) into shared memory. */
export const READ_CHUNK_BYTES = 8 * 1024 * 1024
/**
 * Piece work is handed to workers in runs of whole pieces of about this size: a read chunk's
 * worth, as every message to or from a worker costs a thread wake-up.
 */
export const PIECE_TASK_BYTES = 8 * 1024 * 1024
/** A worker is started for each this many bytes, up to the number asked for. */
const BYTES_PER_WORKER = 2 * 1024 * 1024
const BUFFERS_PER_WORKER = 3
/**
 * Files read at once. Small files cost an open, stats, reads and a close each, waits that overlap
 * well; files larger than a read chunk are still read one at a time, in order.
 */
const READ_LANES = 4
/** Read buffers never take more than this, however many workers there are. */
const MAX_BUFFER_BYTES = 256 * 1024 * 1024
/** Jobs this small are hashed on the calling thread (in about a millisecond): starting a worker takes far longer. */
export const INLINE_MAX_BYTES = 1024 * 1024

export interface HashFileInput {
  /** Torrent-relative posix path. */
  path: string
  absolutePath: string
  /** The size the file had when it was scanned; hashing fails if it changes. */
  size: number
}

/** Everything a hybrid torrent needs from one file, computed in one read pass. */
export interface FileHashes {
  path: string
  size: number
  /** Hex SHA-256 of the whole file. */
  sha256: string
  /** BEP 52 root of the file's merkle tree; null for an empty file. */
  piecesRoot: Uint8Array | null
  /** The file's BEP 52 piece layer; empty unless the file is larger than one piece. */
  pieceLayer: Uint8Array
  /** 20-byte SHA-1s of the file's v1 pieces. */
  v1Pieces: Uint8Array
  /** Whether the last v1 piece was hashed zero-padded to the piece length (a pad file follows). */
  v1TailPadded: boolean
}

export interface HashFilesOptions {
  pieceLength: number
  /** Called as chunks finish, with bytes hashed so far and the total. */
  onProgress?: (doneBytes: number, totalBytes: number) => void
  /** Aborting rejects with an `interrupted` error and stops the workers. */
  signal?: AbortSignal
  /** Worker threads to hash with; jobs of at most INLINE_MAX_BYTES use none. @default os.availableParallelism() */
  workers?: number
  /**
   * Whether a file's last v1 piece is zero-padded, by path, when `files` is only part of the
   * torrent (hashed before the manifest that completes it). @default worked out from `files`
   */
  tailPadded?: (path: string) => boolean
}

/**
 * Hashes the files of one torrent, returned in torrent order (see `sortTorrentFiles`): one read
 * pass per file feeds the v1 SHA-1 pieces, the v2 merkle tree and the whole-file SHA-256, spread
 * over worker threads. A file's last v1 piece is zero-padded when another non-empty file follows
 * it, so `files` must be the whole torrent unless `tailPadded` says how each one ends.
 */
export async function hashFiles (files: readonly HashFileInput[], options: HashFilesOptions): Promise<FileHashes[]> {
  const pieceLength = validatePieceLength(options.pieceLength)
  const sorted = sortTorrentFiles(files)
  for (const file of sorted) {
    if (!Number.isSafeInteger(file.size) || file.size < 0) throw SilmarilError.usage(`the size of "${file.path}" must be a whole number of bytes, got ${file.size}`)
  }
  if (options.signal?.aborted === true) throw cancelled(options.signal)
  if (sorted.every(file => file.size === 0)) return await Promise.all(sorted.map(async file => ({ ...await emptyFileHashes(file), v1TailPadded: false })))
  const run = new HashRun(sorted, pieceLength, options)
  return await run.result()
}

class HashRun {
  readonly #files: readonly HashFileInput[]
  readonly #tails: boolean[]
  readonly #pieceLength: number
  readonly #chunkBytes: number
  readonly #options: HashFilesOptions
  readonly #totalBytes: number
  readonly #pool: HashPool
  readonly #buffers: SharedBufferPool
  #doneBytes = 0
  #failure: Error | undefined

  constructor (files: readonly HashFileInput[], pieceLength: number, options: HashFilesOptions) {
    this.#files = files
    const tailPadded = options.tailPadded
    this.#tails = tailPadded === undefined ? paddedTails(files.map(file => file.size)) : files.map(file => tailPadded(file.path))
    this.#pieceLength = pieceLength
    this.#options = options
    this.#totalBytes = files.reduce((sum, file) => sum + file.size, 0)
    const largest = files.reduce((max, file) => Math.max(max, file.size), 0)
    this.#chunkBytes = Math.min(Math.max(READ_CHUNK_BYTES, pieceLength), Math.max(largest, 1))
    const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), Math.ceil(this.#totalBytes / BYTES_PER_WORKER)))
    this.#buffers = new SharedBufferPool(Math.max(2, Math.min(workers * BUFFERS_PER_WORKER, Math.floor(MAX_BUFFER_BYTES / this.#chunkBytes))), this.#chunkBytes)
    this.#pool = this.#totalBytes <= INLINE_MAX_BYTES ? new InlineHashPool(this.#buffers.buffer) : new HashWorkerPool(workers, this.#buffers.buffer)
  }

  async result (): Promise<FileHashes[]> {
    const onAbort = (): void => { this.#fail(cancelled(this.#options.signal!)) }
    this.#options.signal?.addEventListener('abort', onAbort, { once: true })
    const started = performance.now()
    const results: Array<Promise<FileHashes | void>> = []
    let next = 0
    let bigFileRead = Promise.resolve()
    const lane = async (): Promise<void> => {
      while (this.#failure === undefined && next < this.#files.length) {
        const index = next++
        const file = this.#files[index]!
        const big = file.size > this.#chunkBytes
        const previous = bigFileRead
        let done = (): void => {}
        if (big) bigFileRead = new Promise(resolve => { done = resolve })
        try {
          if (big) await previous
          if (this.#failure !== undefined) break
          results[index] = (await this.#readFile(file, index)).hashes.catch(err => { this.#fail(err) })
        } catch (err) {
          this.#fail(err)
        } finally {
          done()
        }
      }
    }
    try {
      await Promise.all(Array.from({ length: Math.min(READ_LANES, this.#files.length) }, lane))
      const hashes = await Promise.all(results)
      if (this.#failure !== undefined) throw this.#failure
      log('hashed %d files, %d bytes in %d ms %s', this.#files.length, this.#totalBytes, Math.round(performance.now() - started), this.#pool instanceof InlineHashPool ? 'inline' : `with ${this.#pool.size} workers`)
      return hashes as FileHashes[]
    } finally {
      this.#options.signal?.removeEventListener('abort', onAbort)
      await this.#pool.close()
    }
  }

  /** Reads `file` and queues its work; resolves once the file is read, with its hashes to come. */
  async #readFile (file: HashFileInput, index: number): Promise<{ hashes: Promise<FileHashes> }> {
    if (file.size === 0) return { hashes: Promise.resolve({ ...await emptyFileHashes(file), v1TailPadded: this.#tails[index]! }) }
    const layer = new PieceLayerBuilder(file.size, this.#pieceLength)
    const v1Pieces = new Uint8Array(layer.shape.pieces * SHA1_BYTES)
    const finish = (sha256: string): FileHashes => {
      if (this.#failure !== undefined) throw this.#failure
      return { path: file.path, size: file.size, sha256, ...layer.finish(), v1Pieces, v1TailPadded: this.#tails[index]! }
    }

    const { handle, mtimeMs } = await openScanned(file)
    const chunks: Array<Promise<void>> = []
    let sha256 = ''
    try {
      const pin = index % this.#pool.size
      for (let offset = 0; offset < file.size; offset += this.#chunkBytes) {
        if (this.#failure !== undefined) throw this.#failure
        const length = Math.min(this.#chunkBytes, file.size - offset)
        const slot = await this.#buffers.acquire()
        try {
          await readFully(handle, new Uint8Array(slot.buffer, slot.offset, length), offset, file)
        } catch (err) {
          this.#buffers.release(slot)
          throw err
        }
        const final = offset + length === file.size
        const range = { pieceLength: this.#pieceLength, nodeLeaves: layer.shape.nodeLeaves, padShortPiece: this.#tails[index]! }
        const work = offset === 0 && final && length <= this.#taskBytes
          // A small file is one task, which needs no pinning: its SHA-256 sees all of it at once.
          ? [this.#pool.run({ kind: 'file', offset: slot.offset, length, range }).then(reply => {
              if (reply.kind !== 'file') throw new SilmarilError('internal', `a hash worker answered a file task with ${reply.kind}`)
              sha256 = Buffer.from(digestOf(reply.digest)).toString('hex')
              v1Pieces.set(reply.sha1)
              layer.setMany(0, reply.nodes)
            })]
          : [
              this.#pool.run({ kind: 'digest', stream: index, offset: slot.offset, length, final }, pin).then(reply => {
                if (reply.kind !== 'digest') throw new SilmarilError('internal', `a hash worker answered a digest task with ${reply.kind}`)
                if (final) sha256 = Buffer.from(digestOf(reply.digest)).toString('hex')
              }),
              ...this.#pieceTasks(slot, length, offset / this.#pieceLength, layer, v1Pieces, range)
            ]
        // Handled at once: a rejection waiting for the file to finish reading would be unhandled.
        chunks.push(Promise.all(work)
          .then(() => { this.#progress(length) })
          .catch(err => { this.#fail(err) })
          .finally(() => { this.#buffers.release(slot) }))
      }
      await checkUnchanged(handle, file, mtimeMs)
    } finally {
      await handle.close()
    }
    return { hashes: Promise.all(chunks).then(() => finish(sha256)) }
  }

  get #taskBytes (): number {
    return Math.max(this.#pieceLength, PIECE_TASK_BYTES)
  }

  #pieceTasks (slot: SharedSlot, length: number, firstPiece: number, layer: PieceLayerBuilder, v1Pieces: Uint8Array, range: PieceRange): Array<Promise<void>> {
    const taskBytes = this.#taskBytes
    const tasks: Array<Promise<void>> = []
    for (let offset = 0; offset < length; offset += taskBytes) {
      const piece = firstPiece + offset / this.#pieceLength
      tasks.push(this.#pool.run({ kind: 'pieces', offset: slot.offset + offset, length: Math.min(taskBytes, length - offset), range }).then(reply => {
        if (reply.kind !== 'pieces') throw new SilmarilError('internal', `a hash worker answered a piece task with ${reply.kind}`)
        v1Pieces.set(reply.sha1, piece * SHA1_BYTES)
        layer.setMany(piece, reply.nodes)
      }))
    }
    return tasks
  }

  #progress (bytes: number): void {
    this.#doneBytes += bytes
    this.#options.onProgress?.(this.#doneBytes, this.#totalBytes)
  }

  #fail (err: unknown): void {
    if (this.#failure !== undefined) return
    this.#failure = err instanceof Error ? err : SilmarilError.from(err)
    this.#buffers.fail(this.#failure)
    this.#pool.close().catch(() => {})
  }
}

async function emptyFileHashes (file: HashFileInput): Promise<Omit<FileHashes, 'v1TailPadded'>> {
  await checkStillEmpty(file)
  return { path: file.path, size: 0, sha256: createHash('sha256').digest('hex'), piecesRoot: null, pieceLayer: new Uint8Array(0), v1Pieces: new Uint8Array(0) }
}

function cancelled (signal: AbortSignal): SilmarilError {
  return new SilmarilError('interrupted', 'hashing was cancelled', { cause: signal.reason })
}

function digestOf (digest: Uint8Array | null): Uint8Array {
  if (digest === null || digest.length !== HASH_BYTES) throw new SilmarilError('internal', 'a hash worker did not return a SHA-256 digest')
  return digest
}
