import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import { blockLeaves, fileMerkle, fileTreeShape, MerkleHasher, merkleRoot, PieceLayerBuilder, pieceLayerMatches, zeroSubtreeRoot } from '../../src/share/torrent/merkle.js'
import { hashPieceRange } from '../../src/share/torrent/piece-hasher.js'

const BLOCK = 16384
const sha256 = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest()
const hex = (bytes: Uint8Array | null): string | null => bytes === null ? null : Buffer.from(bytes).toString('hex')

/** BEP 52 spelled out the slow way: every leaf, zero leaves to a power of two, every level kept. */
function naiveTree (data: Uint8Array, pieceLength: number): { root: string | null, layer: string } {
  if (data.length === 0) return { root: null, layer: '' }
  const leaves: Buffer[] = []
  for (let offset = 0; offset < data.length; offset += BLOCK) leaves.push(sha256(data.subarray(offset, offset + BLOCK)))
  let width = 1
  while (width < leaves.length) width *= 2
  while (leaves.length < width) leaves.push(Buffer.alloc(32))
  const levels: Buffer[][] = [leaves]
  while (levels.at(-1)!.length > 1) {
    const below = levels.at(-1)!
    const above: Buffer[] = []
    for (let i = 0; i < below.length; i += 2) above.push(sha256(Buffer.concat([below[i]!, below[i + 1]!])))
    levels.push(above)
  }
  const root = levels.at(-1)![0]!.toString('hex')
  if (data.length <= pieceLength) return { root, layer: '' }
  const pieces = Math.ceil(data.length / pieceLength)
  const layer = levels[Math.log2(pieceLength / BLOCK)]!.slice(0, pieces)
  return { root, layer: Buffer.concat(layer).toString('hex') }
}

function bytes (length: number, seed = length): Uint8Array {
  const out = new Uint8Array(length)
  let x = seed * 2654435761 >>> 0
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    out[i] = x >>> 24
  }
  return out
}

/** The same tree the way hashFiles builds it: piece ranges as workers see them, nodes collected. */
function viaPieceRanges (data: Uint8Array, pieceLength: number, piecesPerTask: number): { root: string | null, layer: string } {
  const builder = new PieceLayerBuilder(data.length, pieceLength)
  const step = pieceLength * piecesPerTask
  const starts: number[] = []
  for (let offset = 0; offset < data.length; offset += step) starts.push(offset)
  for (const offset of starts.reverse()) {
    const { nodes } = hashPieceRange(data.subarray(offset, offset + step), { pieceLength, nodeLeaves: builder.shape.nodeLeaves, padShortPiece: false })
    builder.setMany(offset / pieceLength, nodes)
  }
  const { piecesRoot, pieceLayer } = builder.finish()
  return { root: hex(piecesRoot), layer: hex(pieceLayer)! }
}

const PIECE = 4 * BLOCK
const CASES: Array<[string, number]> = [
  ['empty', 0],
  ['1 byte', 1],
  ['exactly one block', BLOCK],
  ['one block + 1 byte', BLOCK + 1],
  ['3 blocks (odd)', 3 * BLOCK],
  ['5 blocks - 7 bytes (odd, short last block)', 5 * BLOCK - 7],
  ['exactly one piece', PIECE],
  ['one piece + 1 byte', PIECE + 1],
  ['3 pieces (odd piece count)', 3 * PIECE],
  ['5 pieces and a short block', 5 * PIECE + 100]
]

for (const [name, size] of CASES) {
  test(`merkle root and piece layer match BEP 52 for ${name}`, () => {
    const data = bytes(size)
    const expected = naiveTree(data, PIECE)
    const got = fileMerkle(data, PIECE)
    assert.equal(hex(got.piecesRoot), expected.root)
    assert.equal(hex(got.pieceLayer), expected.layer)
    assert.deepEqual(viaPieceRanges(data, PIECE, 2), expected)
    if (size > 0) assert.equal(pieceLayerMatches(got.piecesRoot!, got.pieceLayer, size, PIECE), expected.layer !== '')
  })
}

test('piece length of one block: the piece layer is the leaf layer', () => {
  const data = bytes(7 * BLOCK + 3)
  const got = fileMerkle(data, BLOCK)
  assert.equal(hex(got.pieceLayer), hex(blockLeaves(data)))
  assert.deepEqual({ root: hex(got.piecesRoot), layer: hex(got.pieceLayer) }, naiveTree(data, BLOCK))
})

test('a 1-byte file: the root is the hash of that byte, no padding above a single leaf', () => {
  assert.equal(hex(fileMerkle(Uint8Array.of(42), PIECE).piecesRoot), sha256(Uint8Array.of(42)).toString('hex'))
})

test('one block + 1 byte: the root pairs the two leaves', () => {
  const data = bytes(BLOCK + 1)
  const expected = sha256(Buffer.concat([sha256(data.subarray(0, BLOCK)), sha256(data.subarray(BLOCK))]))
  assert.equal(hex(fileMerkle(data, PIECE).piecesRoot), expected.toString('hex'))
})

test('padding above the leaves uses hashes of zero subtrees, not zeros', () => {
  const zeroPair = sha256(new Uint8Array(64))
  assert.equal(hex(zeroSubtreeRoot(1)), '00'.repeat(32))
  assert.equal(hex(zeroSubtreeRoot(2)), zeroPair.toString('hex'))
  assert.equal(hex(zeroSubtreeRoot(4)), sha256(Buffer.concat([zeroPair, zeroPair])).toString('hex'))
  // piece + 1 byte: the last piece node covers one real leaf and three zero leaves
  const data = bytes(PIECE + 1)
  const lastLeaf = sha256(data.subarray(PIECE))
  const lastNode = sha256(Buffer.concat([sha256(Buffer.concat([lastLeaf, new Uint8Array(32)])), zeroPair]))
  assert.equal(hex(fileMerkle(data, PIECE).pieceLayer.subarray(32)), lastNode.toString('hex'))
})

test('the streaming hasher gives the same tree whatever the chunking', () => {
  const data = bytes(6 * PIECE + 12345)
  const expected = fileMerkle(data, PIECE)
  for (const chunk of [1000, BLOCK, BLOCK + 1, 3 * PIECE, data.length]) {
    const hasher = new MerkleHasher(data.length, PIECE)
    for (let offset = 0; offset < data.length; offset += chunk) hasher.update(data.subarray(offset, offset + chunk))
    assert.deepEqual(hasher.digest(), expected, `chunks of ${chunk}`)
  }
})

test('the streaming hasher refuses more or fewer bytes than announced', () => {
  assert.throws(() => new MerkleHasher(10, PIECE).update(new Uint8Array(11)), /more than the 10 bytes/)
  assert.throws(() => new MerkleHasher(10, PIECE).update(new Uint8Array(9)).digest(), /9 of 10 bytes/)
})

test('a piece layer that does not hash to the root is caught', () => {
  const data = bytes(3 * PIECE)
  const { piecesRoot, pieceLayer } = fileMerkle(data, PIECE)
  const broken = pieceLayer.slice()
  broken[5]! ^= 1
  assert.equal(pieceLayerMatches(piecesRoot!, broken, data.length, PIECE), false)
  assert.equal(pieceLayerMatches(piecesRoot!, pieceLayer.subarray(32), data.length, PIECE), false)
})

test('file tree shape: one-piece files are covered by a single node over their own leaves', () => {
  assert.deepEqual(fileTreeShape(3 * BLOCK, PIECE), { size: 3 * BLOCK, pieceLength: PIECE, blocks: 3, pieces: 1, nodeLeaves: 4, hasPieceLayer: false })
  assert.deepEqual(fileTreeShape(PIECE + 1, PIECE), { size: PIECE + 1, pieceLength: PIECE, blocks: 5, pieces: 2, nodeLeaves: 4, hasPieceLayer: true })
  assert.equal(fileTreeShape(0, PIECE).pieces, 0)
})

test('merkleRoot pads missing nodes with zero subtrees of the right height', () => {
  const node = sha256(Uint8Array.of(1))
  const pad = zeroSubtreeRoot(4)
  assert.equal(hex(merkleRoot(node, 2, 4)), sha256(Buffer.concat([node, pad])).toString('hex'))
  assert.equal(hex(merkleRoot(new Uint8Array(0), 2, 4)), hex(zeroSubtreeRoot(8)))
  assert.throws(() => merkleRoot(new Uint8Array(96), 2), /width 2/)
})

test('v1 pieces: a short last piece is hashed as-is, or zero-padded when a pad file follows', () => {
  const data = bytes(PIECE + 10)
  const plain = hashPieceRange(data, { pieceLength: PIECE, nodeLeaves: 4, padShortPiece: false })
  const padded = hashPieceRange(data, { pieceLength: PIECE, nodeLeaves: 4, padShortPiece: true })
  const sha1 = (chunk: Uint8Array): string => createHash('sha1').update(chunk).digest('hex')
  assert.equal(hex(plain.sha1.subarray(0, 20)), sha1(data.subarray(0, PIECE)))
  assert.equal(hex(plain.sha1.subarray(20)), sha1(data.subarray(PIECE)))
  assert.equal(hex(padded.sha1.subarray(20)), sha1(Buffer.concat([data.subarray(PIECE), new Uint8Array(PIECE - 10)])))
  assert.deepEqual(plain.nodes, padded.nodes)
})
