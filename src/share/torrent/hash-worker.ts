import { createHash, type Hash } from 'node:crypto'
import { parentPort } from 'node:worker_threads'
import type { HashReply, HashRequest } from './hash-messages.js'
import { hashPieceRange } from './piece-hasher.js'

/** A hash worker: piece ranges on demand, and whole-file SHA-256 streams fed in order. */

const port = parentPort
if (port === null) throw new Error('hash-worker.js runs in a worker thread only')

const streams = new Map<number, Hash>()

port.on('message', (request: HashRequest) => {
  try {
    const reply = handle(request)
    port.postMessage(reply, reply.kind === 'pieces' ? [reply.sha1.buffer as ArrayBuffer, reply.nodes.buffer as ArrayBuffer] : [])
  } catch (err) {
    port.postMessage({ kind: 'error', id: request.id, message: err instanceof Error ? err.message : String(err) } satisfies HashReply)
  }
})

function handle (request: HashRequest): HashReply {
  const data = new Uint8Array(request.buffer, request.offset, request.length)
  if (request.kind === 'pieces') return { kind: 'pieces', id: request.id, ...hashPieceRange(data, request.range) }
  let stream = streams.get(request.stream)
  if (stream === undefined) {
    stream = createHash('sha256')
    streams.set(request.stream, stream)
  }
  stream.update(data)
  if (!request.final) return { kind: 'digest', id: request.id, digest: null }
  streams.delete(request.stream)
  return { kind: 'digest', id: request.id, digest: stream.digest() }
}
