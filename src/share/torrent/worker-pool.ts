import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { SilmarilError } from '../../errors.js'
import type { HashControl, HashReply, HashRequest } from './hash-messages.js'
import { HashTasks } from './hash-tasks.js'

/** Two tasks in flight per worker hide the message round trip without hoarding work. */
const IN_FLIGHT_PER_WORKER = 2
const WORKER_URL = new URL('./hash-worker.js', import.meta.url)
/**
 * The workers of a pool that closed cleanly wait this long for the next pool, unreferenced (they
 * never keep the process alive): starting a worker costs tens of milliseconds of CPU, a real share
 * of hashing a few GB, and hashing often comes in runs (a share's files, then its manifest).
 */
export const IDLE_WORKER_MS = 10_000

/** A request before the pool numbers it. */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never
type Request = WithoutId<HashRequest>

/** Where hash requests run: worker threads, or the calling thread for tiny jobs. */
export interface HashPool {
  readonly size: number
  /** Queues `request`; with `pin`, on that worker (0 ≤ pin < size) and in submission order. */
  run: (request: Request, pin?: number) => Promise<HashReply>
  /** Stops hashing; queued and running tasks reject. */
  close: () => Promise<void>
}

interface Task {
  request: Request
  resolve: (reply: HashReply) => void
  reject: (err: Error) => void
}

interface Slot {
  worker: Worker
  pinned: Task[]
  running: Map<number, Task>
  /** Takes this pool's listeners off the worker. */
  detach: () => void
}

/**
 * Hash workers fed from one shared queue, except tasks pinned to a worker (a whole-file SHA-256
 * must see its chunks in order in one thread). Idle workers take pinned work first. Each worker
 * is handed `buffer` once, when the pool takes it: requests then say where in it to look, which
 * is cheaper to post than a SharedArrayBuffer per request.
 */
export class HashWorkerPool implements HashPool {
  readonly #buffer: SharedArrayBuffer
  readonly #slots: Slot[]
  readonly #shared: Task[] = []
  #nextId = 0
  #failure: Error | undefined
  #closing: Promise<void> | undefined

  constructor (size: number, buffer: SharedArrayBuffer) {
    this.#buffer = buffer
    this.#slots = Array.from({ length: Math.max(1, size) }, () => this.#start())
  }

  get size (): number { return this.#slots.length }

  async run (request: Request, pin?: number): Promise<HashReply> {
    if (this.#failure !== undefined) throw this.#failure
    return await new Promise((resolve, reject) => {
      const task = { request, resolve, reject }
      if (pin === undefined) this.#shared.push(task)
      else this.#slots[pin % this.#slots.length]!.pinned.push(task)
      this.#pump()
    })
  }

  /** Stops the pool; queued and running tasks reject. Workers left with nothing to do are kept for the next pool. */
  async close (): Promise<void> {
    this.#closing ??= this.#close()
    return await this.#closing
  }

  async #close (): Promise<void> {
    const clean = this.#failure === undefined && this.#shared.length === 0 && this.#slots.every(slot => slot.pinned.length === 0 && slot.running.size === 0)
    this.#fail(new SilmarilError('internal', 'the hash worker pool was closed'))
    for (const slot of this.#slots) slot.detach()
    if (clean) for (const slot of this.#slots) parkWorker(slot.worker)
    else await Promise.all(this.#slots.map(async slot => await slot.worker.terminate()))
  }

  #start (): Slot {
    const worker = takeIdleWorker() ?? new Worker(WORKER_URL)
    worker.postMessage({ kind: 'use', buffer: this.#buffer } satisfies HashControl)
    const running = new Map<number, Task>()
    const onMessage = (reply: HashReply): void => {
      const task = running.get(reply.id)
      if (task === undefined) return
      running.delete(reply.id)
      if (reply.kind === 'error') task.reject(new SilmarilError('internal', `hash worker failed: ${reply.message}`))
      else task.resolve(reply)
      this.#pump()
    }
    const onError = (err: Error): void => { this.#fail(new SilmarilError('internal', `a hash worker crashed: ${err.message}`, { cause: err })) }
    const onExit = (code: number): void => { if (this.#failure === undefined) this.#fail(new SilmarilError('internal', `a hash worker exited with code ${code}`)) }
    worker.on('message', onMessage)
    worker.on('error', onError)
    worker.on('exit', onExit)
    const detach = (): void => {
      worker.off('message', onMessage)
      worker.off('error', onError)
      worker.off('exit', onExit)
    }
    return { worker, pinned: [], running, detach }
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

interface IdleWorker {
  worker: Worker
  forget: () => void
}

const idleWorkers: IdleWorker[] = []
let idleTimer: NodeJS.Timeout | undefined

function takeIdleWorker (): Worker | undefined {
  const idle = idleWorkers.pop()
  if (idle === undefined) return undefined
  idle.forget()
  idle.worker.ref()
  if (idleWorkers.length === 0) clearTimeout(idleTimer)
  return idle.worker
}

/** Keeps `worker` for the next pool, until IDLE_WORKER_MS pass without one taking it. */
function parkWorker (worker: Worker): void {
  worker.postMessage({ kind: 'park' } satisfies HashControl)
  worker.unref()
  // One that exits or fails while idle is simply dropped.
  const drop = (): void => {
    const index = idleWorkers.findIndex(idle => idle.worker === worker)
    if (index >= 0) idleWorkers.splice(index, 1)[0]!.forget()
  }
  const ignore = (): void => {}
  worker.on('exit', drop)
  worker.on('error', ignore)
  idleWorkers.push({ worker, forget: () => { worker.off('exit', drop); worker.off('error', ignore) } })
  while (idleWorkers.length > availableParallelism()) void stopIdle(idleWorkers.shift()!)
  clearTimeout(idleTimer)
  idleTimer = setTimeout(() => { for (const idle of idleWorkers.splice(0)) void stopIdle(idle) }, IDLE_WORKER_MS)
  idleTimer.unref()
}

async function stopIdle (idle: IdleWorker): Promise<void> {
  idle.forget()
  idle.worker.on('error', () => {})
  await idle.worker.terminate()
}

/**
 * Runs requests on the calling thread, one per turn of the event loop and in submission order.
 * For jobs so small that starting a worker would take longer than hashing them.
 */
export class InlineHashPool implements HashPool {
  readonly #tasks = new HashTasks()
  #nextId = 0
  #failure: Error | undefined

  constructor (buffer: SharedArrayBuffer) {
    this.#tasks.use(buffer)
  }

  get size (): number { return 1 }

  async run (request: Request): Promise<HashReply> {
    const id = this.#nextId++
    await new Promise(resolve => setImmediate(resolve))
    if (this.#failure !== undefined) throw this.#failure
    let reply: HashReply
    try {
      reply = this.#tasks.handle({ ...request, id } as HashRequest)
    } catch (err) {
      throw new SilmarilError('internal', `hashing failed: ${(err as Error).message}`, { cause: err })
    }
    return reply
  }

  async close (): Promise<void> {
    this.#failure ??= new SilmarilError('internal', 'the hash pool was closed')
    this.#tasks.use(undefined)
  }
}
