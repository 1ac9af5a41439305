import { createHash } from 'node:crypto'
import { HASH_BYTES, reduceToRoot, sha256Into } from './merkle.js'
import { BLOCK_BYTES } from './piece-length.js'

export const SHA1_BYTES = 20

export interface PieceRange {
  pieceLength: number
  /** Leaves under each piece-layer node (see `fileTreeShape`). */
  nodeLeaves: number
  /** Hash a short final piece as if zero-padded to the piece length (a v1 pad file follows it). */
  padShortPiece: boolean
}

export interface PieceRangeHashes {
  /** SHA-1 of each v1 piece, concatenated. */
  sha1: Uint8Array
  /** The BEP 52 merkle node of each piece, concatenated. */
  nodes: Uint8Array
}

/**
 * Hashes `data`, whole pieces of one file from a piece boundary, both ways in one pass over memory.
 * Digests are written straight into the outputs and one reused leaf buffer: a piece has a leaf
 * per 16 KiB block and as many parents, so per-hash allocations would cost more than the hashing.
 */
export function hashPieceRange (data: Uint8Array, range: PieceRange): PieceRangeHashes {
  const { pieceLength, nodeLeaves, padShortPiece } = range
  const pieces = Math.ceil(data.length / pieceLength)
  const sha1 = new Uint8Array(pieces * SHA1_BYTES)
  const nodes = new Uint8Array(pieces * HASH_BYTES)
  const sha1Out = Buffer.from(sha1.buffer, sha1.byteOffset, sha1.byteLength)
  const leaves = leafBuffer(Math.max(pieceLength / BLOCK_BYTES, nodeLeaves) + 1)
  for (let i = 0; i < pieces; i++) {
    const piece = data.subarray(i * pieceLength, (i + 1) * pieceLength)
    const v1 = createHash('sha1').update(piece)
    if (padShortPiece && piece.length < pieceLength) v1.update(zeros(pieceLength - piece.length))
    sha1Out.write(v1.digest('binary'), i * SHA1_BYTES, 'latin1')
    let count = 0
    for (let offset = 0; offset < piece.length; offset += BLOCK_BYTES) sha256Into(piece.subarray(offset, offset + BLOCK_BYTES), leaves, HASH_BYTES * count++)
    reduceToRoot(leaves, count, nodeLeaves, 1)
    nodes.set(leaves.subarray(0, HASH_BYTES), i * HASH_BYTES)
  }
  return { sha1, nodes }
}

let leafScratch = Buffer.alloc(0)

/** A scratch buffer for `count` merkle nodes, reused across calls (a worker hashes one range at a time). */
function leafBuffer (count: number): Buffer {
  if (leafScratch.length < count * HASH_BYTES) leafScratch = Buffer.alloc(count * HASH_BYTES)
  return leafScratch
}

let zeroBuffer = new Uint8Array(0)

function zeros (length: number): Uint8Array {
  if (zeroBuffer.length < length) zeroBuffer = new Uint8Array(length)
  return zeroBuffer.subarray(0, length)
}
