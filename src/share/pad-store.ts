import { resolve } from 'node:path'
import { rm } from 'node:fs'
import RandomAccessFile from 'random-access-file'
import type { ChunkStore, ChunkStoreGetOptions } from 'webtorrent'
import { SilmarilError } from '../errors.js'
import { logger } from '../log.js'
import { DirectWriter } from './direct-writer.js'
import { ChunkLayout } from './pad-layout.js'
import { padMask } from './pad-files.js'
import { filePathIn, storeRoot, type StoreRootOptions } from './pad-paths.js'

export { isPadPath, padFileIndices } from './pad-files.js'

const log = logger('share:store')

const READ_ONLY: RandomAccessFile.Options = { writable: false }
const EMPTY = Buffer.alloc(0)
const PERMISSION_CODES = new Set(['EACCES', 'EPERM', 'EROFS'])

export type StoreCallback = (err: Error | null) => void
export type StoreGetCallback = (err: Error | null, buf?: Buffer) => void

export interface PadAwareStoreFile {
  /** Relative path; webtorrent's start with the torrent name (`<name>/<dir>/<file>`). */
  readonly path: string
  readonly length: number
  /** Byte offset in the torrent; checked to follow the previous file. @default right after it */
  readonly offset?: number
}

export interface PadAwareStoreOptions extends StoreRootOptions {
  /** Every file of the torrent in order, pads included; webtorrent passes `torrent.files`. */
  files: readonly PadAwareStoreFile[]
  /** The torrent length, checked against the files when given. */
  length?: number
  /** webtorrent passes the torrent: its raw `info.files[i].attr` marks pads (BEP 47). */
  torrent?: { info?: unknown } | null
  /** Indices into `files` that are padding, overriding detection. @default from `torrent.info`, else `.pad/<N>` paths */
  padFiles?: readonly number[]
  /**
   * The model folder: files live at `<folder>/<path inside the torrent>`, whatever the torrent's
   * name, so a folder seeds and downloads under any name. Overrides `path`, `rootDir` and `addUID`.
   */
  folder?: string
  /**
   * True for a buffer in page-aligned memory that stays untouched until its `put` calls back:
   * whole aligned pieces of it are then written past the page cache (see `DirectWriter`).
   */
  directMemory?: (buf: Uint8Array) => boolean
}

/**
 * A webtorrent chunk store that keeps BEP 47 pad files off the disk: reads of padding give
 * zeros and writes to it are dropped, so no `.pad` folder ever appears and a folder without pads
 * seeds. Otherwise it behaves like fs-chunk-store: files sit at `<path>/<file.path>`, reading a
 * missing file fails (so verification counts the piece as missing), and a file and its
 * directories are created by its first write.
 *
 * Buffers handed back may be shared (zeros for padding): treat them as read-only.
 */
export class PadAwareStore implements ChunkStore {
  readonly chunkLength: number
  readonly length: number
  readonly lastChunkLength: number
  readonly lastChunkIndex: number

  readonly #layout: ChunkLayout
  readonly #root: string
  readonly #addUID: boolean
  /** Absolute path of each file; undefined for pads. */
  readonly #paths: Array<string | undefined>
  readonly #handles: Array<RandomAccessFile | undefined>
  readonly #directMemory: ((buf: Uint8Array) => boolean) | undefined
  readonly #direct: Array<DirectWriter | undefined>
  readonly #readOnly: boolean[]
  readonly #refusal: SilmarilError | undefined
  #closed = false

  /**
   * Throws only on malformed options (`files` not an array, bad `padFiles`). Problems in the
   * torrent itself (a path leaving the root, bad lengths) make every call fail instead: webtorrent
   * builds its store inside an async function it never awaits, so a throw there would be an
   * unhandled rejection, and torrents come from strangers.
   */
  constructor (chunkLength: number, opts: PadAwareStoreOptions) {
    if (!Array.isArray(opts.files)) throw SilmarilError.badRequest('the `files` option must be an array')
    const isPad = padMask(opts.files, opts.padFiles, opts.torrent?.info)
    let plan: Plan
    try {
      plan = planStore(Number(chunkLength), opts, isPad)
    } catch (err) {
      if (!(err instanceof SilmarilError)) throw err
      log('refusing the torrent: %s', err.message)
      this.#refusal = err
      plan = { layout: new ChunkLayout(1, [], []), root: '', paths: [] }
    }
    this.#layout = plan.layout
    this.#root = plan.root
    this.#paths = plan.paths
    this.chunkLength = this.#refusal === undefined ? this.#layout.chunkLength : Number(chunkLength)
    this.length = this.#layout.length
    this.lastChunkLength = this.#layout.lastChunkLength
    this.lastChunkIndex = this.#layout.chunkCount - 1
    this.#addUID = this.#refusal === undefined && opts.addUID === true && opts.name !== undefined
    this.#handles = opts.files.map(() => undefined)
    this.#directMemory = opts.directMemory
    this.#direct = opts.files.map(() => undefined)
    this.#readOnly = opts.files.map(() => false)
    if (this.#refusal === undefined) {
      log('%d files (%d pads) in %d chunks of %d under %s',
        opts.files.length, isPad.filter(Boolean).length, this.#layout.chunkCount, this.chunkLength, this.#root)
    }
  }

  /** Why this store refuses every call, when the torrent it was given is unsafe or inconsistent. */
  get refusal (): SilmarilError | undefined {
    return this.#refusal
  }

  get closed (): boolean {
    return this.#closed
  }

  put (index: number, buf: Uint8Array, cb: StoreCallback = noop): void {
    if (this.#closed) return defer(cb, closedError())
    if (this.#refusal !== undefined) return defer(cb, this.#refusal)
    const size = this.#layout.chunkSize(index)
    if (size < 0) return defer(cb, noChunkError(index))
    if (buf.length !== size) return defer(cb, SilmarilError.badRequest(`chunk ${index} must be ${size} bytes, not ${buf.length}`))

    let pending = 1
    let failure: Error | null = null
    const done = (err: Error | null): void => {
      failure ??= err
      if (--pending === 0) cb(failure)
    }
    for (const segment of this.#layout.chunks[index] ?? []) {
      if (segment.file < 0) continue
      pending++
      const data = segment.from === 0 && segment.to === size ? buf : buf.subarray(segment.from, segment.to)
      this.#write(segment.file, segment.fileOffset, data, done)
    }
    if (pending === 1) defer(cb, null)
    else done(null)
  }

  get (index: number, cb: StoreGetCallback): void
  get (index: number, opts: ChunkStoreGetOptions | null | undefined, cb: StoreGetCallback): void
  get (index: number, optsOrCb: ChunkStoreGetOptions | null | undefined | StoreGetCallback, maybeCb?: StoreGetCallback): void {
    const cb = typeof optsOrCb === 'function' ? optsOrCb : maybeCb ?? noop
    const opts = typeof optsOrCb === 'function' ? undefined : optsOrCb
    if (this.#closed) return defer(cb, closedError())
    if (this.#refusal !== undefined) return defer(cb, this.#refusal)
    const size = this.#layout.chunkSize(index)
    if (size < 0) return defer(cb, noChunkError(index))
    const start = opts?.offset ?? 0
    const end = opts?.length !== undefined && opts.length !== 0 ? start + opts.length : size
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > size) {
      return defer(cb, SilmarilError.badRequest(`invalid range ${start}..${end} of chunk ${index} (${size} bytes)`))
    }
    if (start === end) return defer(cb, null, EMPTY)

    const segments = this.#layout.chunks[index] ?? []
    let reads = 0
    let only: (typeof segments)[number] | undefined
    for (const segment of segments) {
      if (segment.file < 0 || segment.to <= start || segment.from >= end) continue
      reads++
      only = segment
    }
    if (only === undefined) return defer(cb, null, zeros(end - start))
    if (reads === 1 && only.from <= start && only.to >= end) {
      return this.#read(only.file, only.fileOffset + start - only.from, end - start, cb)
    }

    const out = Buffer.allocUnsafe(end - start)
    let failed = false
    for (const segment of segments) {
      if (segment.to <= start || segment.from >= end) continue
      const from = Math.max(segment.from, start)
      const to = Math.min(segment.to, end)
      if (segment.file < 0) {
        out.fill(0, from - start, to - start)
        continue
      }
      this.#read(segment.file, segment.fileOffset + from - segment.from, to - from, (err, data) => {
        if (failed) return
        if (err !== null || data === undefined) {
          failed = true
          return cb(err ?? SilmarilError.io(`short read of chunk ${index}`))
        }
        out.set(data, from - start)
        if (--reads === 0) cb(null, out)
      })
    }
  }

  close (cb: StoreCallback = noop): void {
    if (this.#closed) return defer(cb, closedError())
    this.#closed = true
    const open: Array<{ close: (cb: StoreCallback) => void }> = [...this.#handles, ...this.#direct].filter(handle => handle !== undefined)
    this.#handles.fill(undefined)
    this.#direct.fill(undefined)
    log('closing %d open files under %s', open.length, this.#root)
    let pending = open.length + 1
    let failure: Error | null = null
    const done = (err: Error | null): void => {
      failure ??= err
      if (--pending === 0) cb(failure)
    }
    for (const handle of open) handle.close(done)
    defer(done, null)
  }

  /** Closes the store and deletes its files (the `addUID` folder when there is one). */
  destroy (cb: StoreCallback = noop): void {
    const remove = (): void => {
      const targets = this.#addUID ? [this.#root] : this.#paths.filter(path => path !== undefined)
      log('deleting %d paths under %s', targets.length, this.#root)
      let pending = targets.length + 1
      let failure: Error | null = null
      const done = (err: Error | null): void => {
        failure ??= err
        if (--pending === 0) cb(failure)
      }
      for (const target of targets) rm(target, { recursive: true, force: true, maxRetries: 10 }, done)
      done(null)
    }
    if (this.#closed) remove()
    else this.close(remove)
  }

  #handle (file: number): RandomAccessFile {
    let handle = this.#handles[file]
    if (handle === undefined) {
      handle = new RandomAccessFile(this.#paths[file] as string, this.#readOnly[file] === true ? READ_ONLY : undefined)
      this.#handles[file] = handle
    }
    return handle
  }

  #write (file: number, offset: number, data: Uint8Array, cb: StoreCallback): void {
    const cached = (done: StoreCallback): void => { this.#handle(file).write(offset, data, done) }
    if (this.#directMemory?.(data) !== true || !DirectWriter.fits(offset, data.byteLength)) return cached(cb)
    let writer = this.#direct[file]
    if (writer === undefined) this.#direct[file] = writer = new DirectWriter(this.#paths[file] as string)
    writer.write(offset, data, cached, cb)
  }

  #read (file: number, offset: number, size: number, cb: StoreGetCallback): void {
    if (this.#closed) return defer(cb, closedError())
    const handle = this.#handle(file)
    handle.read(offset, size, (err, data) => {
      if (err === null) return cb(null, data)
      // A failed open sticks to the handle; drop it so a file that appears later is found.
      if (!handle.opened && !handle.writing && this.#handles[file] === handle) {
        this.#handles[file] = undefined
        if (this.#readOnly[file] === false && PERMISSION_CODES.has((err as RandomAccessFile.FileError).code ?? '')) {
          this.#readOnly[file] = true
          log('%s is not writable; reading it read-only', this.#paths[file])
          return this.#read(file, offset, size, cb)
        }
      }
      cb(err)
    })
  }
}

interface Plan {
  layout: ChunkLayout
  root: string
  /** Absolute path of each file; undefined for pads. */
  paths: Array<string | undefined>
}

function planStore (chunkLength: number, opts: PadAwareStoreOptions, isPad: readonly boolean[]): Plan {
  const layout = new ChunkLayout(chunkLength, opts.files, isPad)
  if (opts.length !== undefined && opts.length !== layout.length) {
    throw SilmarilError.badRequest(`the files add up to ${layout.length} bytes, not the ${opts.length} given`)
  }
  const root = opts.folder === undefined ? storeRoot(opts) : resolve(opts.folder)
  const relative = (path: string): string => opts.folder === undefined ? path : withoutTorrentName(path)
  const paths = opts.files.map((file, index) => isPad[index] === true ? undefined : filePathIn(root, relative(file.path)))
  return { layout, root, paths }
}

/** webtorrent's file paths start with the torrent name; a `folder` store drops it. */
function withoutTorrentName (path: string): string {
  const slash = path.indexOf('/')
  return slash === -1 ? path : path.slice(slash + 1)
}

let sharedZeros = Buffer.alloc(0)

/** A zero-filled view shared by every caller; it only ever grows to the largest size asked. */
function zeros (length: number): Buffer {
  if (sharedZeros.length < length) sharedZeros = Buffer.alloc(length)
  return sharedZeros.subarray(0, length)
}

function closedError (): SilmarilError {
  return SilmarilError.io('Storage is closed')
}

function noChunkError (index: number): SilmarilError {
  return SilmarilError.badRequest(`no chunk ${String(index)} in this store`)
}

function defer<T> (cb: (err: Error | null, value?: T) => void, err: Error | null, value?: T): void {
  queueMicrotask(() => { cb(err, value) })
}

function noop (): void {}
