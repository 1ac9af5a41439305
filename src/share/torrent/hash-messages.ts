import type { PieceRange } from './piece-hasher.js'

/** What the main thread asks a hash worker; data lives in shared memory, so nothing is copied. */
export type HashRequest =
  | { kind: 'pieces', id: number, buffer: SharedArrayBuffer, offset: number, length: number, range: PieceRange }
  | { kind: 'digest', id: number, stream: number, buffer: SharedArrayBuffer, offset: number, length: number, final: boolean }

export type HashReply =
  | { kind: 'pieces', id: number, sha1: Uint8Array, nodes: Uint8Array }
  | { kind: 'digest', id: number, digest: Uint8Array | null }
  | { kind: 'error', id: number, message: string }
