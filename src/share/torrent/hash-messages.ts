import type { PieceRange } from './piece-hasher.js'

/**
 * What the main thread asks a hash worker. Data lives in the shared read buffer the worker was
 * handed with `use` (see `HashWorkerPool`), so requests carry only where in it to look.
 */
export type HashRequest =
  | { kind: 'pieces', id: number, offset: number, length: number, range: PieceRange }
  | { kind: 'digest', id: number, stream: number, offset: number, length: number, final: boolean }
  /** A whole file held in one buffer: its SHA-256 as well as its pieces, in one task. */
  | { kind: 'file', id: number, offset: number, length: number, range: PieceRange }

export type HashReply =
  | { kind: 'pieces', id: number, sha1: Uint8Array, nodes: Uint8Array }
  | { kind: 'digest', id: number, digest: Uint8Array | null }
  | { kind: 'file', id: number, digest: Uint8Array, sha1: Uint8Array, nodes: Uint8Array }
  | { kind: 'error', id: number, message: string }

/** Not answered: `use` starts a worker's work for a pool, `park` ends it until the next `use`. */
export type HashControl =
  | { kind: 'use', buffer: SharedArrayBuffer }
  | { kind: 'park' }
