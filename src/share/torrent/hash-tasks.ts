import { createHash, hash, type Hash } from 'node:crypto'
import type { HashReply, HashRequest } from './hash-messages.js'
import { hashPieceRange } from './piece-hasher.js'

/**
 * Carries out hash requests against one shared buffer: piece ranges on demand, and whole-file
 * SHA-256 streams fed in order. A hash worker runs one; so does the main thread for tiny jobs.
 */
export class HashTasks {
  #buffer: SharedArrayBuffer | undefined
  readonly #streams = new Map<number, Hash>()

  /** Points requests at `buffer` (undefined lets go of it), dropping any unfinished stream. */
  use (buffer: SharedArrayBuffer | undefined): void {
    this.#buffer = buffer
    this.#streams.clear()
  }

  handle (request: HashRequest): HashReply {
    if (this.#buffer === undefined) throw new Error('no buffer to hash from')
    const data = new Uint8Array(this.#buffer, request.offset, request.length)
    if (request.kind === 'pieces') return { kind: 'pieces', id: request.id, ...hashPieceRange(data, request.range) }
    if (request.kind === 'file') return { kind: 'file', id: request.id, digest: hash('sha256', data, 'buffer'), ...hashPieceRange(data, request.range) }
    let stream = this.#streams.get(request.stream)
    if (stream === undefined) {
      stream = createHash('sha256')
      this.#streams.set(request.stream, stream)
    }
    stream.update(data)
    if (!request.final) return { kind: 'digest', id: request.id, digest: null }
    this.#streams.delete(request.stream)
    return { kind: 'digest', id: request.id, digest: stream.digest() }
  }
}
