import { createHash } from 'node:crypto'
import { blockLeaves, HASH_BYTES, merkleRoot } from './merkle.js'
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

/** Hashes `data`, whole pieces of one file from a piece boundary, both ways in one pass over memory. */
export function hashPieceRange (data: Uint8Array, range: PieceRange): PieceRangeHashes {
  const { pieceLength, nodeLeaves, padShortPiece } = range
  const pieces = Math.ceil(data.length / pieceLength)
  const sha1 = new Uint8Array(pieces * SHA1_BYTES)
  const nodes = new Uint8Array(pieces * HASH_BYTES)
  const leaves = new Uint8Array((pieceLength / BLOCK_BYTES) * HASH_BYTES)
  for (let i = 0; i < pieces; i++) {
    const piece = data.subarray(i * pieceLength, (i + 1) * pieceLength)
    const v1 = createHash('sha1').update(piece)
    if (padShortPiece && piece.length < pieceLength) v1.update(zeros(pieceLength - piece.length))
    sha1.set(v1.digest(), i * SHA1_BYTES)
    const pieceLeaves = blockLeaves(piece, leaves.subarray(0, Math.ceil(piece.length / BLOCK_BYTES) * HASH_BYTES))
    nodes.set(merkleRoot(pieceLeaves, nodeLeaves), i * HASH_BYTES)
  }
  return { sha1, nodes }
}

let zeroBuffer = new Uint8Array(0)

function zeros (length: number): Uint8Array {
  if (zeroBuffer.length < length) zeroBuffer = new Uint8Array(length)
  return zeroBuffer.subarray(0, length)
}
