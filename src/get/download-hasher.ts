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
  | { kind: 'finish' }

export interface HasherReply {
  kind: 'result'
  /** Files whose every byte was stored (and hashed) in this run: their SHA-256 and piece-layer nodes. */
  files: Array<{ path: string, sha256: string, nodes: Uint8Array }>
}

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

  constructor (torrent: ParsedHybridTorrent, paths: ReadonlySet<string>) {
    const files = torrent.files.filter(f => !f.pad && f.size > 0 && paths.has(f.path)).map(f => ({ path: f.path, offset: f.offset, size: f.size }))
    if (files.length === 0) return
    const worker = new Worker(WORKER_URL)
    worker.unref()
    worker.on('error', err => {
      log('hash worker failed, the download will be hashed from disk: %s', err.message)
      this.#failed = true
    })
    worker.postMessage({ kind: 'init', pieceLength: torrent.pieceLength, maxAheadBytes: MAX_AHEAD_BYTES, files } satisfies HasherRequest)
    this.#worker = worker
  }

  /** A verified piece, as written to the store (copied to the worker; the caller keeps `data`). */
  piece (index: number, data: Uint8Array): void {
    if (this.#failed || this.#worker === undefined) return
    // Cloning a view copies its whole backing buffer.
    const exact = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice()
    this.#worker.postMessage({ kind: 'piece', index, data: exact } satisfies HasherRequest)
  }

  /** The hashes of every file seen whole, by path; stops the worker. */
  async finish (): Promise<Map<string, StreamedHashes>> {
    const worker = this.#worker
    this.#worker = undefined
    if (worker === undefined || this.#failed) {
      await worker?.terminate()
      return new Map()
    }
    try {
      const reply = await new Promise<HasherReply | undefined>(resolve => {
        worker.once('message', resolve)
        worker.once('error', () => { resolve(undefined) })
        worker.once('exit', () => { resolve(undefined) })
        worker.postMessage({ kind: 'finish' } satisfies HasherRequest)
      })
      return new Map((reply?.files ?? []).map(f => [f.path, { sha256: f.sha256, nodes: f.nodes }]))
    } finally {
      await worker.terminate()
    }
  }

  async stop (): Promise<void> {
    const worker = this.#worker
    this.#worker = undefined
    await worker?.terminate()
  }
}
