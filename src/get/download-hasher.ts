import { createHash } from 'node:crypto'
import { Worker } from 'node:worker_threads'
import { logger } from '../log.js'
import type { ParsedHybridTorrent } from '../share/torrent/index.js'

const log = logger('get:hash')

const WORKER_URL = new URL('./download-hash-worker.js', import.meta.url)
/** Pieces that arrive ahead of a file's next in-order byte wait in the worker up to this much. */
const MAX_AHEAD_BYTES = 64 * 1024 * 1024

export interface StreamedFile { path: string, offset: number, size: number }

export type HasherRequest =
  | { kind: 'init', pieceLength: number, maxAheadBytes: number, files: StreamedFile[] }
  | { kind: 'piece', index: number, data: Uint8Array }
  /** A piece not yet verified: the worker takes it only if its SHA-1 is `expected`, and sends it back. */
  | { kind: 'verify', id: number, index: number, data: Uint8Array, expected: string }
  | { kind: 'finish' }

export interface HashedFile { path: string, sha256: string, nodes: Uint8Array }

export type HasherReply =
  /** Files whose every byte was stored (and hashed) in this run: their SHA-256 and piece-layer nodes. */
  | { kind: 'result', files: HashedFile[] }
  /** `data` is the piece moved back, absent when it was shared memory that never moved. */
  | { kind: 'verified', id: number, hex: string, data?: Uint8Array }

/**
 * What webtorrent (patched, see patches/) awaits in place of hashing a piece on the main thread.
 * `hex` null: the piece was not checked (the worker went away with it); webtorrent fetches it
 * again and blames no peer.
 */
export interface PieceCheck { hex: string | null, buf: Uint8Array }

/** Hashes of a file computed from the pieces as they were stored, in place of reading it again. */
export interface StreamedHashes {
  sha256: string
  /** The merkle node of each piece (its v2 piece layer, or the root of a one-piece file). */
  nodes: Uint8Array
}

/**
 * Hashes the pieces of the selected files as the store writes them (each one verified by
 * webtorrent first), on a worker thread, so verifying a finished download does not read it again.
 * Files it did not see whole (pieces from an earlier run, too many out of order) are left out of
 * `finish()`'s answer; the verifier hashes those from disk.
 */
export class DownloadHasher {
  #worker: Worker | undefined
  #failed = false
  /** Pieces the worker took through `verify`, which `piece` then skips. */
  readonly #taken: Uint8Array
  readonly #checks = new Map<number, { data: Uint8Array, resolve: (check: PieceCheck) => void }>()
  #nextCheck = 0

  constructor (torrent: ParsedHybridTorrent, paths: ReadonlySet<string>) {
    this.#taken = new Uint8Array(torrent.pieceCount)
    const files = torrent.files.filter(f => !f.pad && f.size > 0 && paths.has(f.path)).map(f => ({ path: f.path, offset: f.offset, size: f.size }))
    if (files.length === 0) return
    const worker = new Worker(WORKER_URL)
    worker.unref()
    worker.on('error', err => {
      log('hash worker failed, the download will be hashed from disk: %s', err.message)
      this.#failed = true
      this.#abandonChecks(true)
    })
    worker.on('message', (reply: HasherReply) => {
      if (reply.kind !== 'verified') return
      const check = this.#checks.get(reply.id)
      this.#checks.delete(reply.id)
      check?.resolve({ hex: reply.hex, buf: reply.data ?? check.data })
    })
    worker.postMessage({ kind: 'init', pieceLength: torrent.pieceLength, maxAheadBytes: MAX_AHEAD_BYTES, files } satisfies HasherRequest)
    this.#worker = worker
  }

  /**
   * Checks a piece's SHA-1 on the worker, which also hashes it for its file when it matches
   * `expected`, and the main thread, which a fast transfer keeps busy, hashes nothing. The piece is
   * not copied: shared memory (the piece pool's) is read in place; anything else moves to the
   * worker and back (`data` is left detached; use the returned `buf`).
   */
  async verify (index: number, data: Uint8Array, expected: string): Promise<PieceCheck> {
    const worker = this.#worker
    if (this.#failed || worker === undefined) return checkHere(data)
    const shared = data.buffer instanceof SharedArrayBuffer
    // A copy, never `slice()`: on a Buffer that is a view, and moving it would detach the caller's memory.
    const own = shared || ownsWholeBuffer(data) ? data : new Uint8Array(data)
    const id = this.#nextCheck++
    this.#taken[index] = 1
    return await new Promise(resolve => {
      this.#checks.set(id, { data: own, resolve })
      const request: HasherRequest = { kind: 'verify', id, index, data: own, expected }
      if (shared) worker.postMessage(request)
      else worker.postMessage(request, [own.buffer as ArrayBuffer])
    })
  }

  /** A verified piece, as written to the store (copied to the worker; the caller keeps `data`). */
  piece (index: number, data: Uint8Array): void {
    if (this.#failed || this.#worker === undefined || this.#taken[index] === 1) return
    const request: HasherRequest = { kind: 'piece', index, data }
    // A whole buffer is cloned (one copy). A view, which cloning would copy with its whole backing
    // buffer, and shared memory, which the store reuses once written, are copied once and moved.
    if (ownsWholeBuffer(data)) return this.#worker.postMessage(request)
    const copy = new Uint8Array(data)
    this.#worker.postMessage({ ...request, data: copy }, [copy.buffer])
  }

  /** The hashes of every file seen whole, by path; stops the worker. */
  async finish (): Promise<Map<string, StreamedHashes>> {
    const worker = this.#worker
    this.#worker = undefined
    this.#abandonChecks(false)
    if (worker === undefined || this.#failed) {
      await worker?.terminate()
      return new Map()
    }
    try {
      const files = await new Promise<HashedFile[]>(resolve => {
        worker.on('message', (reply: HasherReply) => { if (reply.kind === 'result') resolve(reply.files) })
        worker.once('error', () => { resolve([]) })
        worker.once('exit', () => { resolve([]) })
        worker.postMessage({ kind: 'finish' } satisfies HasherRequest)
      })
      return new Map(files.map(f => [f.path, { sha256: f.sha256, nodes: f.nodes }]))
    } finally {
      await worker.terminate()
    }
  }

  async stop (): Promise<void> {
    const worker = this.#worker
    this.#worker = undefined
    this.#abandonChecks(false)
    await worker?.terminate()
  }

  /**
   * Checks still out on a worker that is gone come back unchecked (hex null), not as failures: a
   * failure bans the peers that sent the piece. With `recheck` (the worker died, the download goes
   * on) a piece in shared memory, which never left this thread, is checked here instead; one that
   * was moved to the worker went with it.
   */
  #abandonChecks (recheck: boolean): void {
    for (const { data, resolve } of this.#checks.values()) {
      resolve(recheck && data.buffer instanceof SharedArrayBuffer ? checkHere(data) : { hex: null, buf: new Uint8Array(0) })
    }
    this.#checks.clear()
  }
}

/** The same check on this thread, when there is no worker (nothing selected yet, or it failed). */
export function checkHere (data: Uint8Array): PieceCheck {
  return { hex: createHash('sha1').update(data).digest('hex'), buf: data }
}

/**
 * True when `buf` spans the whole of an ArrayBuffer (not shared memory): it can be moved to the
 * worker as it is, and cloning it copies only its own bytes, not a larger backing buffer.
 */
function ownsWholeBuffer (buf: Uint8Array): boolean {
  return buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength && buf.buffer instanceof ArrayBuffer
}
