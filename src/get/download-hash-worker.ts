import { createHash, type Hash } from 'node:crypto'
import { parentPort } from 'node:worker_threads'
import { fileTreeShape, HASH_BYTES, reduceToRoot, sha256Into } from '../share/torrent/merkle.js'
import { BLOCK_BYTES } from '../share/torrent/piece-length.js'
import type { HashedFile, HasherReply, HasherRequest, StreamedFile } from './download-hasher.js'

/**
 * A download's hash worker: checks each piece's SHA-1 for webtorrent and hashes the verified ones
 * for their files, so that a finished download needs no second read. Per file, the merkle node of
 * each piece (in any order) and the whole-file SHA-256, fed in order; pieces ahead of the next
 * offset wait here, up to a limit.
 */

const port = parentPort
if (port === null) throw new Error('download-hash-worker.js runs in a worker thread only')

interface FileState {
  file: StreamedFile
  pieces: number
  nodeLeaves: number
  sha: Hash
  next: number
  ahead: Map<number, Uint8Array>
  nodes: Uint8Array
  filled: Uint8Array
  broken: boolean
}

let pieceLength = 0
let maxAheadBytes = 0
let aheadBytes = 0
let files: FileState[] = []
let leaves = Buffer.alloc(0)

port.on('message', (message: HasherRequest) => {
  if (message.kind === 'init') {
    pieceLength = message.pieceLength
    maxAheadBytes = message.maxAheadBytes
    files = message.files.map(file => {
      const { pieces, nodeLeaves } = fileTreeShape(file.size, pieceLength)
      return { file, pieces, nodeLeaves, sha: createHash('sha256'), next: 0, ahead: new Map(), nodes: new Uint8Array(pieces * HASH_BYTES), filled: new Uint8Array(pieces), broken: false }
    })
    leaves = Buffer.alloc((Math.max(pieceLength / BLOCK_BYTES, ...files.map(f => f.nodeLeaves)) + 1) * HASH_BYTES)
  } else if (message.kind === 'piece') {
    addToFiles(message.index, message.data, false)
  } else if (message.kind === 'verify') {
    const { id, index, data, expected } = message
    const hex = createHash('sha1').update(data).digest('hex')
    // Only a piece that verified counts for its files; it goes back to the main thread either way.
    if (hex === expected) addToFiles(index, data, true)
    // Shared memory (the piece pool's arena) was never moved here; anything else goes back.
    if (data.buffer instanceof SharedArrayBuffer) port.postMessage({ kind: 'verified', id, hex } satisfies HasherReply)
    else port.postMessage({ kind: 'verified', id, hex, data } satisfies HasherReply, [data.buffer as ArrayBuffer])
  } else {
    port.postMessage({ kind: 'result', files: files.flatMap(result) } satisfies HasherReply)
  }
})

/** `lent`: the piece goes back to the main thread (or is shared with it), so a piece kept for later is copied. */
function addToFiles (index: number, data: Uint8Array, lent: boolean): void {
  const start = index * pieceLength
  for (const state of files) {
    const { offset, size } = state.file
    if (state.broken || start < offset || start >= offset + size) continue
    addPiece(state, start - offset, data.subarray(0, Math.min(pieceLength, offset + size - start)), lent)
  }
}

function addPiece (state: FileState, at: number, data: Uint8Array, lent: boolean): void {
  const piece = at / pieceLength
  if (state.filled[piece] === 1) return
  let count = 0
  for (let offset = 0; offset < data.length; offset += BLOCK_BYTES) sha256Into(data.subarray(offset, offset + BLOCK_BYTES), leaves, HASH_BYTES * count++)
  reduceToRoot(leaves, count, state.nodeLeaves, 1)
  state.nodes.set(leaves.subarray(0, HASH_BYTES), piece * HASH_BYTES)
  state.filled[piece] = 1

  if (at !== state.next) {
    // Kept for the in-order SHA-256; past the limit the file is hashed from disk after the download instead.
    aheadBytes += data.length
    state.ahead.set(at, lent ? data.slice() : data)
    if (aheadBytes > maxAheadBytes) drop(state)
    return
  }
  state.sha.update(data)
  state.next += data.length
  for (let waiting = state.ahead.get(state.next); waiting !== undefined; waiting = state.ahead.get(state.next)) {
    state.ahead.delete(state.next)
    aheadBytes -= waiting.length
    state.sha.update(waiting)
    state.next += waiting.length
  }
}

function drop (state: FileState): void {
  state.broken = true
  for (const data of state.ahead.values()) aheadBytes -= data.length
  state.ahead.clear()
}

function result (state: FileState): HashedFile[] {
  if (state.broken || state.next !== state.file.size || state.filled.includes(0)) return []
  return [{ path: state.file.path, sha256: state.sha.digest('hex'), nodes: state.nodes }]
}
