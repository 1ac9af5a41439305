import type { Torrent } from 'webtorrent'
import WebConn, { type WebConnCallback } from 'webtorrent/lib/webconn.js'
import { SilmarilError } from '../errors.js'
import { logger } from '../log.js'
import { padMask } from '../share/pad-files.js'
import { fetchRange, OriginAgents, type RangeRequest } from './origin-fetch.js'

const log = logger('get:origin')

export const DEFAULTS = {
  /** A request that receives no bytes for this long fails (and is retried later). */
  timeoutMs: 30_000,
  /**
   * A piece the origin has served this many times and is asked for again has failed
   * verification each time: it is no longer asked of the origin.
   */
  maxPieceServes: 3
} as const

export interface OriginConnOptions {
  /** The URL of a file at the origin, by its path inside the torrent (see `originFileUrl`). */
  fileUrl: (path: string) => string
  /** Names the origin in `connId` and logs. @default the scheme and host of the first file's URL */
  url?: string
  /**
   * Bytes of files the origin does not hold but the caller does, by path inside the torrent: a
   * Hugging Face repository has no `.silmaril.json`, which comes with the catalog entry. Served
   * without a request and verified like the rest.
   */
  knownFiles?: ReadonlyMap<string, Uint8Array>
  /** Called with the size of every chunk of body received from the origin. */
  onBytes?: (bytes: number) => void
  /**
   * Called for each failure. `details.permanent` false: the piece is offered again after ten
   * seconds (webtorrent's web seed retry). True: the file (`details.path`) or piece
   * (`details.piece`) is no longer asked of the origin, or, with neither, the origin is dropped.
   */
  onError?: (err: SilmarilError) => void
  /** @default DEFAULTS.timeoutMs */
  timeoutMs?: number
  /** @default DEFAULTS.maxPieceServes */
  maxPieceServes?: number
}

/** One file of the torrent as a byte span; `path` is inside the torrent, without its name. */
interface Span {
  start: number
  end: number
  path: string
  pad: boolean
}

/**
 * A web seed for the model's origin (its Hugging Face repository or web folder). Unlike
 * webtorrent's own WebConn it maps each file to its URL with `fileUrl`, serves BEP 47 padding as
 * zeros without asking, insists on 206 answers whose Content-Range matches the request, times out
 * idle requests, and stops asking for files the origin lacks and pieces it keeps getting wrong.
 * What it returns is verified by webtorrent like any piece; a piece that fails is not written.
 */
export class OriginConn extends WebConn {
  readonly #fileUrl: (path: string) => string
  readonly #knownFiles: ReadonlyMap<string, Uint8Array>
  readonly #onBytes: (bytes: number) => void
  readonly #onError: (err: SilmarilError) => void
  readonly #timeoutMs: number
  readonly #maxPieceServes: number
  readonly #pieceLength: number
  readonly #spans: Span[]
  readonly #serves = new Map<number, number>()
  /** Pieces no longer asked of the origin: a file missing there, or failed verification. */
  readonly #refused = new Set<number>()
  readonly #missingFiles = new Set<string>()
  readonly #inflight = new Set<AbortController>()
  readonly #agents = new OriginAgents()
  #closed = false
  readonly #reported = new WeakSet<Error>()

  constructor (torrent: Torrent, opts: OriginConnOptions) {
    if (!torrent.ready) throw new SilmarilError('internal', 'an origin web seed needs the torrent\'s metadata first')
    const spans = torrentSpans(torrent)
    const label = opts.url ?? defaultLabel(spans, opts.fileUrl)
    super(label, torrent)
    this.connId = `origin:${label}`
    this.#fileUrl = opts.fileUrl
    this.#knownFiles = opts.knownFiles ?? new Map()
    this.#onBytes = opts.onBytes ?? (() => {})
    this.#onError = opts.onError ?? (() => {})
    this.#timeoutMs = opts.timeoutMs ?? DEFAULTS.timeoutMs
    this.#maxPieceServes = opts.maxPieceServes ?? DEFAULTS.maxPieceServes
    this.#pieceLength = torrent.pieceLength
    this.#spans = spans
  }

  /** Files the origin answered 404 (or another client error) for, or holds at another size. */
  get missingFiles (): ReadonlySet<string> {
    return this.#missingFiles
  }

  override have (index: number): void {
    if (this.#refused.has(index)) return
    super.have(index)
  }

  override httpRequest (pieceIndex: number, offset: number, length: number, cb: WebConnCallback): void {
    this.#serve(pieceIndex, offset, length).then(data => { cb(null, data) }, (err: unknown) => {
      const error = SilmarilError.from(err)
      this.#report(error)
      cb(error)
    })
  }

  override destroy (err?: Error): void {
    this.#closed = true
    for (const controller of this.#inflight) controller.abort()
    this.#inflight.clear()
    this.#agents.destroy()
    super.destroy(err)
  }

  async #serve (piece: number, offset: number, length: number): Promise<Uint8Array> {
    if (this.#refused.has(piece)) throw this.#refusal(piece)
    const serves = this.#serves.get(piece) ?? 0
    if (serves >= this.#maxPieceServes) {
      this.#refused.add(piece)
      throw new SilmarilError('verification_failed', `piece ${piece} from the origin failed verification ${serves} times; no longer asking the origin for it`, {
        details: { piece, permanent: true }
      })
    }
    const start = piece * this.#pieceLength + offset
    const out = Buffer.allocUnsafe(length)
    const fetches: Array<Promise<void>> = []
    const controller = new AbortController()
    this.#inflight.add(controller)
    try {
      for (const span of overlapping(this.#spans, start, start + length)) {
        const from = Math.max(start, span.start)
        const to = Math.min(start + length, span.end)
        if (span.pad) {
          out.fill(0, from - start, to - start)
          continue
        }
        const known = this.#knownFiles.get(span.path)
        if (known !== undefined) {
          out.set(known.subarray(from - span.start, to - span.start), from - start)
          continue
        }
        const request: RangeRequest = {
          url: this.#fileUrl(span.path),
          start: from - span.start,
          length: to - from,
          fileLength: span.end - span.start,
          into: out.subarray(from - start, to - start),
          timeoutMs: this.#timeoutMs,
          signal: controller.signal,
          onBytes: this.#onBytes,
          agents: this.#agents
        }
        fetches.push(this.#fetch(span, request, piece))
      }
      await Promise.all(fetches)
    } catch (err) {
      controller.abort()
      await Promise.allSettled(fetches)
      throw err
    } finally {
      this.#inflight.delete(controller)
    }
    this.#serves.set(piece, serves + 1)
    return out
  }

  async #fetch (span: Span, request: RangeRequest, piece: number): Promise<void> {
    log('GET %s bytes %d+%d for piece %d', request.url, request.start, request.length, piece)
    const outcome = await fetchRange(request)
    if (outcome === 'ok') return
    if (outcome.scope === 'file') {
      this.#missingFiles.add(span.path)
      for (let p = Math.floor(span.start / this.#pieceLength); p * this.#pieceLength < span.end; p++) this.#refused.add(p)
      throw new SilmarilError('network', `the origin cannot serve "${span.path}": ${outcome.reason}; only peers can provide it`, {
        details: { url: request.url, path: span.path, permanent: true }
      })
    }
    if (outcome.scope === 'origin') {
      const error = new SilmarilError('network', `the origin ${request.url} ${outcome.reason}; no longer using the origin`, {
        details: { url: request.url, permanent: true }
      })
      this.#report(error)
      this.#closed = true
      queueMicrotask(() => { this.destroy() })
      throw error
    }
    throw new SilmarilError('network', `fetching ${request.url} from the origin failed: ${outcome.reason}`, {
      details: { url: request.url, permanent: false }
    })
  }

  /** Reports each error once, and nothing after the connection closed but the error that closed it. */
  #report (error: SilmarilError): void {
    if (this.#closed || this.#reported.has(error)) return
    this.#reported.add(error)
    this.#onError(error)
  }

  #refusal (piece: number): SilmarilError {
    return new SilmarilError('network', `piece ${piece} is no longer asked of the origin`, { details: { piece, permanent: true } })
  }
}

function torrentSpans (torrent: Torrent): Span[] {
  const isPad = padMask(torrent.files, undefined, torrent.info)
  const prefix = `${torrent.name}/`
  return torrent.files.flatMap((file, index) => {
    if (file.length === 0) return []
    const path = file.path.replaceAll('\\', '/')
    return [{
      start: file.offset,
      end: file.offset + file.length,
      path: path.startsWith(prefix) ? path.slice(prefix.length) : path,
      pad: isPad[index] === true
    }]
  })
}

/** The spans that overlap [start, end), found by binary search: torrents may list 100,000 files. */
function * overlapping (spans: readonly Span[], start: number, end: number): Generator<Span> {
  let lo = 0
  let hi = spans.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (spans[mid]!.end <= start) lo = mid + 1
    else hi = mid
  }
  for (let i = lo; i < spans.length && spans[i]!.start < end; i++) yield spans[i]!
}

function defaultLabel (spans: readonly Span[], fileUrl: (path: string) => string): string {
  const first = spans.find(span => !span.pad)
  if (first === undefined) return 'origin'
  const url = new URL(fileUrl(first.path))
  return `${url.protocol}//${url.host}`
}
