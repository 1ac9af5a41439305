import { hash } from 'node:crypto'
import { SilmarilError } from '../../errors.js'
import { BLOCK_BYTES } from './piece-length.js'

/**
 * BEP 52 merkle trees: leaves are SHA-256 hashes of 16 KiB blocks (the last one short), padded
 * with zero leaves to a power of two; a node is SHA-256(left ‖ right). Nodes that only cover
 * padding are hashes of zero subtrees, not zeros: only the leaves are zero.
 */

export const HASH_BYTES = 32
export const ZERO_LEAF: Uint8Array = new Uint8Array(HASH_BYTES)

export function sha256 (data: Uint8Array): Uint8Array {
  return hash('sha256', data, 'buffer')
}

/**
 * Writes SHA-256(`data`) to `out` at `offset` (which must have room for it). The digest comes back
 * as a 'binary' (latin1) string, one char per byte: for the small inputs of a merkle tree that costs half of
 * what a Buffer digest does, and a file has a leaf per 16 KiB and about as many parents.
 */
export function sha256Into (data: Uint8Array, out: Buffer, offset: number): void {
  out.write(hash('sha256', data, 'binary'), offset, 'latin1')
}

/** The smallest power of two ≥ n (1 for n ≤ 1). */
export function nextPowerOfTwo (n: number): number {
  let p = 1
  while (p < n) p *= 2
  return p
}

const zeroRoots: Uint8Array[] = [ZERO_LEAF]

/** The root of a subtree of `leafCount` zero leaves (a power of two); shared, do not modify. */
export function zeroSubtreeRoot (leafCount: number): Uint8Array {
  const level = Math.log2(leafCount)
  if (!Number.isInteger(level)) throw new SilmarilError('internal', `a merkle subtree needs a power-of-two number of leaves, got ${leafCount}`)
  while (zeroRoots.length <= level) {
    const below = zeroRoots.at(-1)!
    zeroRoots.push(new Uint8Array(sha256(Buffer.concat([below, below]))))
  }
  return zeroRoots[level]!
}

/**
 * The root over `nodes` (concatenated hashes, each the root of `nodeLeaves` leaves), padded with
 * zero subtrees to `width` nodes (a power of two).
 */
export function merkleRoot (nodes: Uint8Array, width: number, nodeLeaves = 1): Uint8Array {
  const count = nodes.length / HASH_BYTES
  if (!Number.isInteger(count) || count > width || nextPowerOfTwo(width) !== width) {
    throw new SilmarilError('internal', `cannot build a merkle tree of width ${width} over ${nodes.length} bytes of hashes`)
  }
  if (count === 0) return new Uint8Array(zeroSubtreeRoot(width * nodeLeaves))
  if (width === 1) return new Uint8Array(nodes.subarray(0, HASH_BYTES))
  const layer = Buffer.alloc((count + 1) * HASH_BYTES)
  layer.set(nodes)
  reduceToRoot(layer, count, width, nodeLeaves)
  return new Uint8Array(layer.subarray(0, HASH_BYTES))
}

/**
 * Hashes the `count` nodes at the start of `layer` (1 ≤ count ≤ width, each the root of
 * `nodeLeaves` leaves) up to their root, padded with zero subtrees to `width` (a power of two),
 * leaving it in the first 32 bytes. Each level is hashed in place: node i is written over bytes
 * that pair 2i has already consumed. `layer` needs room for count + 1 nodes when count is odd.
 */
export function reduceToRoot (layer: Buffer, count: number, width: number, nodeLeaves: number): void {
  for (let w = width, below = nodeLeaves; w > 1; w /= 2, below *= 2) {
    if (count % 2 === 1) layer.set(zeroSubtreeRoot(below), count * HASH_BYTES)
    const parents = (count + 1) >>> 1
    for (let i = 0; i < parents; i++) sha256Into(layer.subarray(i * 2 * HASH_BYTES, (i + 1) * 2 * HASH_BYTES), layer, i * HASH_BYTES)
    count = parents
  }
}

/** SHA-256 of each 16 KiB block of `data` (the last one may be short), concatenated into `out`. */
export function blockLeaves (data: Uint8Array, out: Uint8Array = new Uint8Array(Math.ceil(data.length / BLOCK_BYTES) * HASH_BYTES)): Uint8Array {
  const target = Buffer.from(out.buffer, out.byteOffset, out.byteLength)
  for (let offset = 0, i = 0; offset < data.length; offset += BLOCK_BYTES, i++) {
    sha256Into(data.subarray(offset, offset + BLOCK_BYTES), target, i * HASH_BYTES)
  }
  return out
}

/** How a file's tree splits into pieces. */
export interface FileTreeShape {
  size: number
  pieceLength: number
  blocks: number
  pieces: number
  /** Leaves under each piece-layer node: a piece's blocks, or all of a one-piece file's leaves. */
  nodeLeaves: number
  /** Files larger than one piece carry a `piece layers` entry. */
  hasPieceLayer: boolean
}

export function fileTreeShape (size: number, pieceLength: number): FileTreeShape {
  const blocks = Math.ceil(size / BLOCK_BYTES)
  const pieces = Math.ceil(size / pieceLength)
  const hasPieceLayer = pieces > 1
  return { size, pieceLength, blocks, pieces, nodeLeaves: hasPieceLayer ? pieceLength / BLOCK_BYTES : nextPowerOfTwo(blocks), hasPieceLayer }
}

export interface FileMerkle {
  /** Null for empty files, which have no tree. */
  piecesRoot: Uint8Array | null
  /** Empty unless the file is larger than one piece. */
  pieceLayer: Uint8Array
}

/**
 * Collects one file's piece-layer nodes, in any order (they come back from workers), and finishes
 * the tree above them. A one-piece file's single node is its root.
 */
export class PieceLayerBuilder {
  readonly shape: FileTreeShape
  readonly #nodes: Uint8Array
  readonly #filled: Uint8Array

  constructor (size: number, pieceLength: number) {
    this.shape = fileTreeShape(size, pieceLength)
    this.#nodes = new Uint8Array(this.shape.pieces * HASH_BYTES)
    this.#filled = new Uint8Array(this.shape.pieces)
  }

  set (piece: number, node: Uint8Array): void {
    if (piece < 0 || piece >= this.shape.pieces || node.length !== HASH_BYTES) throw new SilmarilError('internal', `piece ${piece} is out of range or its hash is not ${HASH_BYTES} bytes`)
    this.#nodes.set(node, piece * HASH_BYTES)
    this.#filled[piece] = 1
  }

  /** Sets consecutive nodes from `first`, given concatenated. */
  setMany (first: number, nodes: Uint8Array): void {
    for (let i = 0; i * HASH_BYTES < nodes.length; i++) this.set(first + i, nodes.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES))
  }

  finish (): FileMerkle {
    const missing = this.#filled.indexOf(0)
    if (missing >= 0) throw new SilmarilError('internal', `the merkle node of piece ${missing} was never set`)
    const { pieces, nodeLeaves, hasPieceLayer } = this.shape
    if (pieces === 0) return { piecesRoot: null, pieceLayer: new Uint8Array(0) }
    if (!hasPieceLayer) return { piecesRoot: this.#nodes.slice(), pieceLayer: new Uint8Array(0) }
    return { piecesRoot: merkleRoot(this.#nodes, nextPowerOfTwo(pieces), nodeLeaves), pieceLayer: this.#nodes.slice() }
  }
}

/**
 * A streaming BEP 52 hasher for one file of known size: feed bytes in order with `update`, then
 * `digest` gives the pieces root and piece layer.
 */
export class MerkleHasher {
  readonly #layer: PieceLayerBuilder
  readonly #leaves: Buffer
  readonly #block = new Uint8Array(BLOCK_BYTES)
  #blockFill = 0
  #leafCount = 0
  #piece = 0
  #received = 0

  constructor (size: number, pieceLength: number) {
    this.#layer = new PieceLayerBuilder(size, pieceLength)
    this.#leaves = Buffer.alloc(this.#leavesPerPiece() * HASH_BYTES)
  }

  update (data: Uint8Array): this {
    if (this.#received + data.length > this.#layer.shape.size) throw new SilmarilError('internal', `more than the ${this.#layer.shape.size} bytes announced were hashed`)
    this.#received += data.length
    let offset = 0
    while (offset < data.length) {
      if (this.#blockFill === 0 && data.length - offset >= BLOCK_BYTES) {
        this.#addLeaf(data.subarray(offset, offset + BLOCK_BYTES))
        offset += BLOCK_BYTES
        continue
      }
      const take = Math.min(BLOCK_BYTES - this.#blockFill, data.length - offset)
      this.#block.set(data.subarray(offset, offset + take), this.#blockFill)
      this.#blockFill += take
      offset += take
      if (this.#blockFill === BLOCK_BYTES) this.#flushBlock()
    }
    return this
  }

  digest (): FileMerkle {
    if (this.#received !== this.#layer.shape.size) throw new SilmarilError('internal', `${this.#received} of ${this.#layer.shape.size} bytes were hashed`)
    if (this.#blockFill > 0) this.#flushBlock()
    if (this.#leafCount > 0) this.#flushPiece()
    return this.#layer.finish()
  }

  #leavesPerPiece (): number {
    return this.#layer.shape.hasPieceLayer ? this.#layer.shape.nodeLeaves : this.#layer.shape.blocks
  }

  #flushBlock (): void {
    this.#addLeaf(this.#block.subarray(0, this.#blockFill))
    this.#blockFill = 0
  }

  /** Hashes one block (16 KiB, or the file's short last one) into the next leaf. */
  #addLeaf (block: Uint8Array): void {
    sha256Into(block, this.#leaves, this.#leafCount * HASH_BYTES)
    this.#leafCount++
    if (this.#leafCount === this.#leavesPerPiece()) this.#flushPiece()
  }

  #flushPiece (): void {
    this.#layer.set(this.#piece, merkleRoot(this.#leaves.subarray(0, this.#leafCount * HASH_BYTES), this.#layer.shape.nodeLeaves))
    this.#piece++
    this.#leafCount = 0
  }
}

/** The pieces root and piece layer of a file held in memory. */
export function fileMerkle (data: Uint8Array, pieceLength: number): FileMerkle {
  return new MerkleHasher(data.length, pieceLength).update(data).digest()
}

/** True when `pieceLayer` hashes up to `piecesRoot` for a file of `size` bytes. */
export function pieceLayerMatches (piecesRoot: Uint8Array, pieceLayer: Uint8Array, size: number, pieceLength: number): boolean {
  const shape = fileTreeShape(size, pieceLength)
  if (!shape.hasPieceLayer || pieceLayer.length !== shape.pieces * HASH_BYTES) return false
  return Buffer.compare(merkleRoot(pieceLayer, nextPowerOfTwo(shape.pieces), shape.nodeLeaves), piecesRoot) === 0
}
