import { request as httpRequest, type ClientRequest } from 'node:http'
import type { ServerEvent } from '../api/types.js'
import type { DaemonLocator } from './locator.js'
import { SseParser } from './sse-parser.js'

/** Where the connection to `GET /api/v1/events` stands. */
export type StreamStatus =
  | { state: 'connecting', url: string }
  | { state: 'open', url: string }
  /** The daemon cannot be reached (gone, restarting): retried. */
  | { state: 'down', url: string, reason: string, retryInMs: number }
  /** The daemon answered, but not with an event stream (e.g. 401, 501): retried more slowly. */
  | { state: 'refused', url: string, status: number, reason: string, retryInMs: number }

export interface EventStreamInit {
  locator: DaemonLocator
  /** @default '/api/v1/events' */
  path?: string
  /** First reconnect delay, doubled per failure. @default 250 */
  minRetryMs?: number
  /** @default 3000 */
  maxRetryMs?: number
}

type Listener<T> = (value: T) => void

/**
 * A reconnecting client of the daemon's server-sent events over node:http. Every (re)connect asks
 * the locator again, so a daemon restarted on another port is found; the daemon's `hello` then
 * carries the full state, so nothing missed while down is lost.
 */
export class EventStream {
  readonly #locator: DaemonLocator
  readonly #path: string
  readonly #minRetryMs: number
  readonly #maxRetryMs: number
  readonly #eventListeners = new Set<Listener<ServerEvent>>()
  readonly #statusListeners = new Set<Listener<StreamStatus>>()
  #status: StreamStatus = { state: 'connecting', url: '' }
  #request: ClientRequest | undefined
  #timer: NodeJS.Timeout | undefined
  #retryMs: number
  #running = false

  constructor (init: EventStreamInit) {
    this.#locator = init.locator
    this.#path = init.path ?? '/api/v1/events'
    this.#minRetryMs = init.minRetryMs ?? 250
    this.#maxRetryMs = init.maxRetryMs ?? 3000
    this.#retryMs = this.#minRetryMs
  }

  get status (): StreamStatus { return this.#status }

  onEvent (listener: Listener<ServerEvent>): () => void {
    this.#eventListeners.add(listener)
    return () => { this.#eventListeners.delete(listener) }
  }

  onStatus (listener: Listener<StreamStatus>): () => void {
    this.#statusListeners.add(listener)
    return () => { this.#statusListeners.delete(listener) }
  }

  start (): void {
    if (this.#running) return
    this.#running = true
    void this.#connect()
  }

  stop (): void {
    if (!this.#running) return
    this.#running = false
    clearTimeout(this.#timer)
    this.#request?.destroy()
    this.#request = undefined
  }

  async #connect (): Promise<void> {
    const { url, token } = await this.#locator()
    if (!this.#running) return
    this.#setStatus({ state: 'connecting', url })
    const headers: Record<string, string> = { accept: 'text/event-stream' }
    if (token !== undefined) headers['authorization'] = `Bearer ${token}`
    let settled = false
    const fail = (status: StreamStatus): void => {
      if (settled) return
      settled = true
      this.#request = undefined
      this.#retry(status)
    }
    const req = httpRequest(`${url}${this.#path}`, { headers, agent: false }, res => {
      const status = res.statusCode ?? 0
      if (status !== 200) {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => { body = (body + chunk).slice(0, 4000) })
        res.on('end', () => { fail({ state: 'refused', url, status, reason: errorMessage(body, status), retryInMs: 0 }) })
        res.on('error', () => { fail({ state: 'refused', url, status, reason: `HTTP ${status}`, retryInMs: 0 }) })
        return
      }
      this.#retryMs = this.#minRetryMs
      this.#setStatus({ state: 'open', url })
      const parser = new SseParser()
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        for (const message of parser.feed(chunk)) this.#dispatch(message.event, message.data)
      })
      res.on('end', () => { fail({ state: 'down', url, reason: 'the daemon closed the event stream', retryInMs: 0 }) })
      res.on('error', err => { fail({ state: 'down', url, reason: reasonOf(err), retryInMs: 0 }) })
    })
    req.on('socket', socket => { socket.setKeepAlive(true, 10_000) })
    req.on('error', err => { fail({ state: 'down', url, reason: reasonOf(err), retryInMs: 0 }) })
    req.end()
    this.#request = req
  }

  #dispatch (event: string, data: string): void {
    let parsed: ServerEvent
    try {
      parsed = JSON.parse(data) as ServerEvent
    } catch {
      return
    }
    if (typeof parsed !== 'object' || parsed === null) return
    if (typeof parsed.type !== 'string') (parsed as { type: string }).type = event
    for (const listener of this.#eventListeners) listener(parsed)
  }

  #retry (status: StreamStatus): void {
    if (!this.#running) return
    // A daemon that answers but refuses (no such endpoint yet, bad token) will not change its mind soon.
    const delay = status.state === 'refused' ? this.#maxRetryMs : this.#retryMs
    this.#retryMs = Math.min(this.#maxRetryMs, this.#retryMs * 2)
    this.#setStatus({ ...status, retryInMs: delay } as StreamStatus)
    this.#timer = setTimeout(() => { void this.#connect() }, delay)
  }

  #setStatus (status: StreamStatus): void {
    this.#status = status
    for (const listener of this.#statusListeners) listener(status)
  }
}

function reasonOf (err: Error): string {
  return (err as NodeJS.ErrnoException).code ?? err.message
}

function errorMessage (body: string, status: number): string {
  try {
    const message = (JSON.parse(body) as { error?: { message?: unknown } }).error?.message
    if (typeof message === 'string') return message
  } catch {}
  return `HTTP ${status}`
}
