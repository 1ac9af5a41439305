import { Worker } from 'node:worker_threads'
import { SilmarilError } from '../../errors.js'
import type { HashReply, HashRequest } from './hash-messages.js'

/** Two tasks in flight per worker hide the message round trip without hoarding work. */
const IN_FLIGHT_PER_WORKER = 2
const WORKER_URL = new URL('./hash-worker.js', import.meta.url)

/** A request before the pool numbers it. */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never
type Request = WithoutId<HashRequest>

interface Task {
  request: Request
  resolve: (reply: HashReply) => void
  reject: (err: Error) => void
}

interface Slot {
  worker: Worker
  pinned: Task[]
  running: Map<number, Task>
}

/**
 * Hash workers fed from one shared queue, except tasks pinned to a worker (a whole-file SHA-256
 * must see its chunks in order in one thread). Idle workers take pinned work first.
 */
export class HashWorkerPool {
  readonly #slots: Slot[]
  readonly #shared: Task[] = []
  #nextId = 0
  #failure: Error | undefined

  constructor (size: number) {
    this.#slots = Array.from({ length: Math.max(1, size) }, () => this.#spawn())
  }

  get size (): number { return this.#slots.length }

  /** Queues `request`; with `pin`, on that worker (0 ≤ pin < size) and in submission order. */
  async run (request: Request, pin?: number): Promise<HashReply> {
    if (this.#failure !== undefined) throw this.#failure
    return await new Promise((resolve, reject) => {
      const task = { request, resolve, reject }
      if (pin === undefined) this.#shared.push(task)
      else this.#slots[pin % this.#slots.length]!.pinned.push(task)
      this.#pump()
    })
  }

  /** Stops every worker; queued and running tasks reject. */
  async close (): Promise<void> {
    this.#fail(new SilmarilError('internal', 'the hash worker pool was closed'))
    await Promise.all(this.#slots.map(async slot => await slot.worker.terminate()))
  }

  #spawn (): Slot {
    const worker = new Worker(WORKER_URL)
    const slot: Slot = { worker, pinned: [], running: new Map() }
    worker.on('message', (reply: HashReply) => {
      const task = slot.running.get(reply.id)
      if (task === undefined) return
      slot.running.delete(reply.id)
      if (reply.kind === 'error') task.reject(new SilmarilError('internal', `hash worker failed: ${reply.message}`))
      else task.resolve(reply)
      this.#pump()
    })
    worker.on('error', err => { this.#fail(new SilmarilError('internal', `a hash worker crashed: ${err.message}`, { cause: err })) })
    worker.on('exit', code => { if (this.#failure === undefined) this.#fail(new SilmarilError('internal', `a hash worker exited with code ${code}`)) })
    return slot
  }

  #pump (): void {
    for (const slot of this.#slots) {
      while (slot.running.size < IN_FLIGHT_PER_WORKER) {
        const task = slot.pinned.shift() ?? this.#shared.shift()
        if (task === undefined) break
        const id = this.#nextId++
        slot.running.set(id, task)
        slot.worker.postMessage({ ...task.request, id })
      }
    }
  }

  #fail (err: Error): void {
    this.#failure ??= err
    const tasks = [...this.#shared.splice(0), ...this.#slots.flatMap(slot => [...slot.pinned.splice(0), ...slot.running.values()])]
    for (const slot of this.#slots) slot.running.clear()
    for (const task of tasks) task.reject(this.#failure)
  }
}
