import { parentPort } from 'node:worker_threads'
import type { HashControl, HashReply, HashRequest } from './hash-messages.js'
import { HashTasks } from './hash-tasks.js'

/** A hash worker: answers each request of the pool that is using it (see `HashWorkerPool`). */

const port = parentPort
if (port === null) throw new Error('hash-worker.js runs in a worker thread only')

const tasks = new HashTasks()

port.on('message', (message: HashRequest | HashControl) => {
  if (message.kind === 'use' || message.kind === 'park') {
    tasks.use(message.kind === 'use' ? message.buffer : undefined)
    return
  }
  try {
    const reply = tasks.handle(message)
    port.postMessage(reply, reply.kind === 'pieces' || reply.kind === 'file' ? [reply.sha1.buffer as ArrayBuffer, reply.nodes.buffer as ArrayBuffer] : [])
  } catch (err) {
    port.postMessage({ kind: 'error', id: message.id, message: err instanceof Error ? err.message : String(err) } satisfies HashReply)
  }
})
