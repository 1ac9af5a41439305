import http, { type IncomingMessage } from 'node:http'
import https from 'node:https'
import { VERSION } from '../version.js'

const MAX_REDIRECTS = 5
const MAX_SOCKETS_PER_HOST = 8
const REDIRECTS = new Set([301, 302, 303, 307, 308])
/** Answers that say the file is not there for us; anything else is worth trying again later. */
const FILE_MISSING = new Set([401, 403, 404, 410, 416])

export interface RangeRequest {
  url: string
  /** First byte wanted, in the file. */
  start: number
  length: number
  /** The file's size in the torrent; a Content-Range total that differs means another version. */
  fileLength: number
  /** Receives exactly `length` bytes. */
  into: Uint8Array
  /** Fails a request that receives nothing for this long. */
  timeoutMs: number
  signal: AbortSignal
  onBytes: (bytes: number) => void
  agents: OriginAgents
}

/**
 * 'ok', or why not: `request` failures may pass (timeouts, resets, 5xx, 429); `file` ones will
 * not (404, another size); `origin` ones condemn the whole origin (it ignores or garbles Range).
 */
export type RangeOutcome = 'ok' | { scope: 'request' | 'file' | 'origin', reason: string }

/** Keep-alive agents for one origin; `destroy()` closes their sockets. */
export class OriginAgents {
  readonly http = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST })
  readonly https = new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST })

  destroy (): void {
    this.http.destroy()
    this.https.destroy()
  }
}

/** Fetches `length` bytes at `start` of `url` with a Range request into `into`, following redirects. */
export async function fetchRange (request: RangeRequest): Promise<RangeOutcome> {
  let url = request.url
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const answer = await get(url, request)
    if (typeof answer === 'object' && 'redirect' in answer) {
      url = answer.redirect
      continue
    }
    return answer
  }
  return { scope: 'file', reason: `more than ${MAX_REDIRECTS} redirects from ${request.url}` }
}

/** One GET: the outcome, or the URL a redirect points to. */
async function get (url: string, request: RangeRequest): Promise<RangeOutcome | { redirect: string }> {
  const { start, length, signal } = request
  if (signal.aborted) return { scope: 'request', reason: 'cancelled' }
  const target = new URL(url)
  const client = target.protocol === 'https:' ? https : http
  return await new Promise(resolve => {
    let settled = false
    const finish = (outcome: RangeOutcome | { redirect: string }): void => {
      if (settled) return
      settled = true
      signal.removeEventListener('abort', onAbort)
      resolve(outcome)
    }
    const onAbort = (): void => {
      req.destroy()
      finish({ scope: 'request', reason: 'cancelled' })
    }
    const req = client.get(target, {
      agent: client === https ? request.agents.https : request.agents.http,
      timeout: request.timeoutMs,
      headers: {
        range: `bytes=${start}-${start + length - 1}`,
        'accept-encoding': 'identity',
        'user-agent': `silmaril/${VERSION}`
      }
    }, res => {
      const status = res.statusCode ?? 0
      if (REDIRECTS.has(status) && res.headers.location !== undefined) {
        res.resume()
        const next = new URL(res.headers.location, target)
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          finish({ scope: 'file', reason: `redirects to a non-http URL ${next.protocol}` })
        } else {
          finish({ redirect: next.href })
        }
        return
      }
      const problem = checkHead(res, request)
      if (problem !== undefined) {
        req.destroy()
        finish(problem)
        return
      }
      let at = 0
      res.on('data', (chunk: Buffer) => {
        if (at + chunk.length > length) {
          req.destroy()
          finish({ scope: 'origin', reason: `sent more than the ${length} bytes asked for` })
          return
        }
        request.into.set(chunk, at)
        at += chunk.length
        request.onBytes(chunk.length)
      })
      res.on('end', () => {
        finish(at === length ? 'ok' : { scope: 'request', reason: `the body ended after ${at} of ${length} bytes` })
      })
      res.on('error', err => { finish({ scope: 'request', reason: err.message }) })
      res.on('close', () => { finish({ scope: 'request', reason: `the connection closed after ${at} of ${length} bytes` }) })
    })
    req.on('timeout', () => {
      req.destroy()
      finish({ scope: 'request', reason: `no data for ${request.timeoutMs} ms` })
    })
    req.on('error', err => { finish({ scope: 'request', reason: err.message }) })
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

function checkHead (res: IncomingMessage, { start, length, fileLength }: RangeRequest): RangeOutcome | undefined {
  const status = res.statusCode ?? 0
  const encoding = res.headers['content-encoding']
  if (encoding !== undefined && encoding !== 'identity') return { scope: 'origin', reason: `answered a Range request with ${encoding}-encoded bytes` }
  if (status === 200) {
    const whole = start === 0 && length === fileLength && Number(res.headers['content-length'] ?? length) === length
    return whole ? undefined : { scope: 'origin', reason: 'ignores Range requests (it answered 200 with the whole file)' }
  }
  if (status === 206) {
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers['content-range'] ?? '')
    if (range === null) return { scope: 'origin', reason: `answered 206 without a valid Content-Range (${res.headers['content-range'] ?? 'none'})` }
    const [first, last, total] = [Number(range[1]), Number(range[2]), range[3]]
    if (total !== '*' && Number(total) !== fileLength) {
      return { scope: 'file', reason: `holds ${total} bytes where the torrent has ${fileLength} (another version of the file?)` }
    }
    if (first !== start || last !== start + length - 1) {
      return { scope: 'origin', reason: `answered bytes ${first}-${last} to a request for ${start}-${start + length - 1}` }
    }
    return undefined
  }
  if (FILE_MISSING.has(status)) return { scope: 'file', reason: `HTTP ${status}` }
  return { scope: 'request', reason: `HTTP ${status}` }
}

/**
 * Fetches a whole small file (the manifest) with a plain GET, following redirects: its bytes, or
 * why not (`missing` for answers that say the file is not there).
 */
export async function fetchWhole (url: string, { maxBytes, timeoutMs, signal }: { maxBytes: number, timeoutMs: number, signal: AbortSignal }): Promise<Buffer | { missing: boolean, reason: string }> {
  let res: Response
  try {
    res = await fetch(url, {
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      redirect: 'follow',
      headers: { 'accept-encoding': 'identity', 'user-agent': `silmaril/${VERSION}` }
    })
  } catch (err) {
    return { missing: false, reason: signal.aborted ? 'cancelled' : (err as Error).message }
  }
  if (res.status !== 200) {
    await res.body?.cancel().catch(() => {})
    return { missing: FILE_MISSING.has(res.status), reason: `HTTP ${res.status}` }
  }
  if (Number(res.headers.get('content-length') ?? 0) > maxBytes) {
    await res.body?.cancel().catch(() => {})
    return { missing: true, reason: `it is larger than ${maxBytes} bytes` }
  }
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of res.body ?? []) {
      size += (chunk as Uint8Array).length
      if (size > maxBytes) {
        await res.body?.cancel().catch(() => {})
        return { missing: true, reason: `it is larger than ${maxBytes} bytes` }
      }
      chunks.push(Buffer.from(chunk as Uint8Array))
    }
  } catch (err) {
    return { missing: false, reason: signal.aborted ? 'cancelled' : (err as Error).message }
  }
  return Buffer.concat(chunks)
}
