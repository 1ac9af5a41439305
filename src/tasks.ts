import { randomBytes } from 'node:crypto'
import type { TaskInfo } from './api/types.js'

const RATE_WINDOW_MS = 3000

/** Progress of one long operation; rates over the last few seconds. */
export class Task {
  readonly id = randomBytes(6).toString('hex')
  readonly kind: TaskInfo['kind']
  readonly name: string
  readonly #startedAt = Date.now()
  readonly #onEnd: (task: Task) => void
  #done = 0
  #total: number
  #samples: Array<[number, number]> = []

  constructor (kind: TaskInfo['kind'], name: string, total: number, onEnd: (task: Task) => void) {
    this.kind = kind
    this.name = name
    this.#total = total
    this.#onEnd = onEnd
  }

  update (done: number, total = this.#total): void {
    this.#done = done
    this.#total = total
    const now = Date.now()
    this.#samples.push([now, done])
    while (this.#samples.length > 2 && (this.#samples[0]?.[0] ?? now) < now - RATE_WINDOW_MS) this.#samples.shift()
  }

  end (): void { this.#onEnd(this) }

  info (): TaskInfo {
    const first = this.#samples[0]
    const last = this.#samples.at(-1)
    const seconds = first !== undefined && last !== undefined ? (last[0] - first[0]) / 1000 : 0
    const rate = seconds > 0 && first !== undefined && last !== undefined ? (last[1] - first[1]) / seconds : 0
    return {
      id: this.id,
      kind: this.kind,
      name: this.name,
      done_bytes: this.#done,
      total_bytes: this.#total,
      rate_bps: Math.round(rate),
      eta_s: rate > 0 ? Math.round((this.#total - this.#done) / rate) : null,
      started_at: new Date(this.#startedAt).toISOString()
    }
  }
}

export class TaskTracker {
  readonly #tasks = new Map<string, Task>()

  start (kind: TaskInfo['kind'], name: string, total: number): Task {
    const task = new Task(kind, name, total, t => { this.#tasks.delete(t.id) })
    this.#tasks.set(task.id, task)
    return task
  }

  list (): TaskInfo[] {
    return [...this.#tasks.values()].map(t => t.info())
  }
}
