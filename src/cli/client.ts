import { request as httpRequest } from 'node:http'
import { isErrorCode, SilmarilError } from '../errors.js'

export interface DaemonClientInit {
  url: string
  token?: string | undefined
  /** @default 30000 */
  timeoutMs?: number
}

interface RawResponse { status: number, body: string }

export interface RequestOptions {
  /** Idle time before giving up on the daemon's answer. */
  timeoutMs?: number
}

/**
 * A thin JSON client of the daemon's REST API; daemon errors come back as SilmarilErrors with
 * their codes. Uses node:http rather than fetch, whose first use costs ~60 ms of start-up.
 */
export class DaemonClient {
  readonly url: string
  readonly #token: string | undefined
  readonly #timeoutMs: number

  constructor (init: DaemonClientInit) {
    this.url = init.url.replace(/\/+$/, '')
    this.#token = init.token
    this.#timeoutMs = init.timeoutMs ?? 30_000
  }

  /** The bearer token, for clients of other endpoints (the event stream). */
  get token (): string | undefined { return this.#token }

  /** Whether the daemon answers its health check. */
  async healthy (): Promise<boolean> {
    return await this.get('/api/v1/health').then(() => true, () => false)
  }

  async get<T> (path: string): Promise<T> { return await this.request<T>('GET', path) }
  async post<T> (path: string, body?: unknown, options?: RequestOptions): Promise<T> { return await this.request<T>('POST', path, body ?? {}, options) }
  async put<T> (path: string, body?: unknown): Promise<T> { return await this.request<T>('PUT', path, body) }
  async delete<T> (path: string): Promise<T> { return await this.request<T>('DELETE', path) }

  async request<T> (method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (this.#token !== undefined) headers['authorization'] = `Bearer ${this.#token}`
    const payload = body === undefined ? undefined : JSON.stringify(body)
    if (payload !== undefined) headers['content-type'] = 'application/json'
    let response: RawResponse
    try {
      response = await this.#send(method, path, headers, payload, options.timeoutMs ?? this.#timeoutMs)
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message
      throw new SilmarilError('daemon_unreachable', `cannot reach the daemon at ${this.url} (${reason}); start it with "silmaril daemon start"`, { cause: err })
    }
    let parsed: unknown
    try {
      parsed = response.body === '' ? undefined : JSON.parse(response.body)
    } catch {
      throw new SilmarilError('daemon_unreachable', `the daemon at ${this.url} answered ${response.status} with something that is not JSON; is SILMARIL_DAEMON_URL right?`)
    }
    if (response.status >= 400) throw errorFromPayload(parsed, response.status)
    return parsed as T
  }

  async #send (method: string, path: string, headers: Record<string, string>, payload: string | undefined, timeoutMs: number): Promise<RawResponse> {
    return await new Promise((resolve, reject) => {
      // agent: false: one connection per request, closed after it, so a stopping daemon never waits on us.
      const req = httpRequest(`${this.url}${path}`, { method, headers, timeout: timeoutMs, agent: false }, res => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => { chunks.push(chunk) })
        res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }) })
        res.on('error', reject)
      })
      req.on('timeout', () => { req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })) })
      req.on('error', reject)
      req.end(payload)
    })
  }
}

function errorFromPayload (payload: unknown, status: number): SilmarilError {
  const error = (payload as { error?: { code?: unknown, message?: unknown } } | undefined)?.error
  const message = typeof error?.message === 'string' ? error.message : `the daemon answered HTTP ${status}`
  if (isErrorCode(error?.code)) return new SilmarilError(error.code, message)
  return new SilmarilError(status === 404 ? 'not_found' : status === 401 ? 'unauthorized' : 'internal', message)
}
