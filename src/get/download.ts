import { EventEmitter } from 'node:events'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type WebTorrent from 'webtorrent'
import type { Torrent } from 'webtorrent'
import Piece from 'torrent-piece'
import type { TransferFile } from '../api/types.js'
import { SilmarilError } from '../errors.js'
import { logger } from '../log.js'
import { MANIFEST_FILE } from '../share/manifest.js'
import { PadAwareStore, type StoreCallback } from '../share/pad-store.js'
import { parseHybridTorrent, type ParsedHybridTorrent } from '../share/torrent/index.js'
import { bencode, RawBencode } from '../share/torrent/bencode.js'
import { checkHere, DownloadHasher, type PieceCheck, type StreamedHashes } from './download-hasher.js'
import type { ProgressSnapshot } from './download-store.js'
import { PeerGuard } from './peer-guard.js'
import { PieceBacklog } from './piece-backlog.js'
import { PiecePool } from './piece-pool.js'
import { copyInto } from './shared-copy.js'
import { selectPaths, type FileSelection } from './selection.js'

/** The hooks webtorrent reads as patched (patches/webtorrent+*.patch); unpatched, it ignores them. */
type HookedTorrent = Torrent & { verifyPiece?: DownloadHasher['verify'], holdRequests?: () => boolean }

const log = logger('get:download')

/** How often a download asks the DHT for more peers while it has few. */
const LOOKUP_INTERVAL_MS = 3000
const ENOUGH_PEERS = 8
/**
 * Piece buffers for all downloads: 128 pieces of 1 MiB. Only what is carved out counts in RSS, and
 * a download needs about its backlog plus the pieces its peers are filling.
 */
const PIECE_POOL_BYTES = 128 * 1024 * 1024
/** Whole pieces a download may hold unchecked or unwritten before it stops asking for more. */
const MAX_BACKLOG_BYTES = 32 * 1024 * 1024

/**
 * webtorrent's pieces (torrent-piece, as patched) take their buffers from here, and the store
 * gives each back once written: by then webtorrent, the immediate store and the hasher are done
 * with it (a block served meanwhile is a copy; only a whole-piece read, which downloads never
 * make, would share it).
 */
const piecePool = new PiecePool(PIECE_POOL_BYTES)
Piece.alloc = length => piecePool.take(length)
Piece.copy = copyInto

export interface SwarmDownloadInit {
  client: WebTorrent
  id: string
  magnet: string
  staging: string
  /** Info bytes known from an earlier run. */
  info: Uint8Array | null
  bitfield: Uint8Array | null
  /** The files the caller means to select once the manifest passes: progress counts them from the start. */
  selection: FileSelection
}

/**
 * One model torrent being fetched into its staging folder through webtorrent: the metadata, then
 * the manifest alone, then the files the caller selects; reports when every selected piece is in.
 * Knows nothing of catalogs, policy or installing: the transfer manager drives it through events:
 * `metadata` (ParsedHybridTorrent), `manifest` (its bytes, on disk before any other file),
 * `ready` (the staged data is checked), `progress`, `complete` (every selected piece verified),
 * `banned` (address, piece), `failed` (SilmarilError).
 */
export class SwarmDownload extends EventEmitter {
  readonly #init: SwarmDownloadInit
  #torrent: Torrent | undefined
  #parsed: ParsedHybridTorrent | undefined
  #guard: PeerGuard | undefined
  #selected: Set<string> | undefined
  #intended: Set<string> | undefined
  #missing = new Set<number>()
  #manifestPieces = new Set<number>()
  #manifestSeen = false
  #completed = false
  #lookups: NodeJS.Timeout | undefined
  #hasher: DownloadHasher | undefined
  readonly #backlog = new PieceBacklog(MAX_BACKLOG_BYTES)

  constructor (init: SwarmDownloadInit) {
    super()
    this.#init = init
  }

  get torrent (): Torrent | undefined { return this.#torrent }
  get parsed (): ParsedHybridTorrent | undefined { return this.#parsed }
  get selected (): ReadonlySet<string> | undefined { return this.#selected }
  get banned (): number { return this.#guard?.banned ?? 0 }

  start (): void {
    const { client, info, staging, bitfield } = this.#init
    const source = info === null ? this.#init.magnet : Buffer.from(bencode(new Map([['info', new RawBencode(info)]])))
    const torrent = client.add(source, {
      path: staging,
      store: this.#storeClass(),
      storeOpts: { folder: staging, directMemory: (buf: Uint8Array) => piecePool.alignedView(buf) },
      deselect: true,
      announce: [],
      ...bitfield === null ? {} : { bitfield }
    })
    this.#torrent = torrent
    const hooked = torrent as HookedTorrent
    hooked.verifyPiece = async (index, buf, expected) => await this.#verify(index, buf, expected)
    hooked.holdRequests = () => this.#backlog.full
    this.#guard = new PeerGuard(torrent, (address, piece) => { this.emit('banned', address, piece) })
    torrent.on('error', (err: Error) => { this.#fail(new SilmarilError('network', err.message, { cause: err })) })
    torrent.on('warning', (err: Error) => { log('%s: %s', this.#init.id, err.message) })
    torrent.once('metadata', () => { this.#onMetadata(torrent) })
    torrent.once('ready', () => { this.#onReady(torrent) })
    torrent.on('verified', (index: number) => { this.#onVerified(index) })
    torrent.on('download', () => { this.emit('progress') })
    this.#lookup()
    this.#lookups = setInterval(() => { if (torrent.numPeers < ENOUGH_PEERS) this.#lookup() }, LOOKUP_INTERVAL_MS)
    this.#lookups.unref()
  }

  /** Fetches the files the request selects (after `manifest`); the manifest stays selected. */
  select (): void {
    const torrent = this.#torrent
    const parsed = this.#parsed
    const paths = this.#intended
    if (torrent === undefined || parsed === undefined || paths === undefined) throw new Error('select() before metadata')
    this.#selected = paths
    void this.#hasher?.stop()
    this.#hasher = new DownloadHasher(parsed, this.#selected)
    parsed.files.forEach((file, index) => {
      if (file.pad || file.size === 0 || !paths.has(file.path)) return
      for (const piece of pieceRange(parsed, index)) if (torrent.bitfield?.get(piece) !== true) this.#missing.add(piece)
      torrent.files[index]?.select()
    })
    this.#checkComplete()
  }

  /**
   * Stops fetching and lets go of the torrent; the staged data stays for a later start. The torrent
   * goes first, so the checks the hasher still has out find it destroyed and end there.
   */
  async stop (): Promise<void> {
    clearInterval(this.#lookups)
    piecePool.clear()
    const torrent = this.#torrent
    this.#torrent = undefined
    if (torrent !== undefined && !torrent.destroyed) {
      await new Promise<void>(resolve => { torrent.destroy({ destroyStore: false }, () => { resolve() }) })
    }
    const hasher = this.#hasher
    this.#hasher = undefined
    await hasher?.stop()
  }

  /** Hashes of the selected files that were stored whole in this run (see `DownloadHasher`); call once, after `complete`. */
  async hashed (): Promise<Map<string, StreamedHashes>> {
    piecePool.clear()
    const hasher = this.#hasher
    this.#hasher = undefined
    return await hasher?.finish() ?? new Map()
  }

  bitfield (): Uint8Array | null {
    const bits = (this.#torrent?.bitfield as { buffer?: Uint8Array } | undefined)?.buffer
    return bits === undefined ? null : new Uint8Array(bits)
  }

  /** Bytes of the selected files on disk and in total. */
  progress (): { done: number, total: number } {
    const torrent = this.#torrent
    const parsed = this.#parsed
    if (torrent === undefined || parsed === undefined) return { done: 0, total: 0 }
    let done = 0
    let total = 0
    parsed.files.forEach((file, index) => {
      if (file.pad || !this.#wanted(file.path)) return
      total += file.size
      done += Math.min(file.size, torrent.files[index]?.downloaded ?? 0)
    })
    return { done, total }
  }

  files (): TransferFile[] {
    const torrent = this.#torrent
    return (this.#parsed?.files ?? []).flatMap((file, index) => file.pad
      ? []
      : [{ path: file.path, size: file.size, done_bytes: Math.min(file.size, torrent?.files[index]?.downloaded ?? 0), selected: this.#wanted(file.path) }])
  }

  /**
   * What this download keeps when it stops: the bytes of each file in verified pieces (the blocks
   * of a piece still being received are fetched again), and the same totals as `progress()`.
   */
  verifiedProgress (): ProgressSnapshot {
    const parsed = this.#parsed
    const bits = this.#torrent?.bitfield
    const progress: ProgressSnapshot = { done: 0, total: 0, files: [] }
    parsed?.files.forEach((file, index) => {
      if (file.pad) return
      let verified = 0
      for (const piece of pieceRange(parsed, index)) {
        if (bits?.get(piece) !== true) continue
        const start = piece * parsed.pieceLength
        verified += Math.min(file.offset + file.size, start + parsed.pieceLength) - Math.max(file.offset, start)
      }
      const selected = this.#wanted(file.path)
      progress.files.push({ path: file.path, size: file.size, done_bytes: verified, selected })
      if (!selected) return
      progress.total += file.size
      progress.done += verified
    })
    return progress
  }

  /** A whole piece, checked on the hasher's worker; it stays in the backlog until stored, or leaves it failing. */
  async #verify (index: number, buf: Uint8Array, expected: string): Promise<PieceCheck> {
    this.#backlog.add(index, buf.length)
    const check = await this.#hasher?.verify(index, buf, expected) ?? checkHere(buf)
    if (check.hex !== expected) {
      this.#backlog.remove(index)
      // webtorrent drops a piece that fails and fetches it again into a new buffer.
      piecePool.give(check.buf)
    }
    return check
  }

  /** The pad-aware store, telling the hasher of each piece it writes (webtorrent only stores verified pieces). */
  #storeClass (): typeof PadAwareStore {
    const hasher = (): DownloadHasher | undefined => this.#hasher
    const backlog = this.#backlog
    return class HashingStore extends PadAwareStore {
      override put (index: number, buf: Uint8Array, cb: StoreCallback = noop): void {
        super.put(index, buf, err => {
          if (err === null) hasher()?.piece(index, buf)
          piecePool.give(buf)
          backlog.remove(index)
          cb(err)
        })
      }
    }
  }

  /** The selection, or until there is one the files the caller means to select. */
  #wanted (path: string): boolean {
    return (this.#selected ?? this.#intended)?.has(path) ?? path === MANIFEST_FILE
  }

  #onMetadata (torrent: Torrent): void {
    const info = torrent.infoBuffer
    if (info === undefined) return this.#fail(new SilmarilError('network', 'the torrent metadata arrived without its info dictionary'))
    let parsed: ParsedHybridTorrent
    try {
      parsed = parseHybridTorrent(bencode(new Map([['info', new RawBencode(info)]])))
    } catch (err) {
      return this.#fail(new SilmarilError('verification_failed', `the torrent from peers is not a Silmaril model torrent: ${(err as Error).message}`))
    }
    this.#parsed = parsed
    this.#intended = selectPaths(parsed.files.filter(f => !f.pad).map(f => f.path), this.#init.selection)
    const manifestIndex = parsed.files.findIndex(f => f.path === MANIFEST_FILE)
    if (manifestIndex < 0) return this.#fail(new SilmarilError('verification_failed', `the torrent has no ${MANIFEST_FILE}; it is not a Silmaril model`))
    this.#manifestPieces = new Set(pieceRange(parsed, manifestIndex))
    this.emit('metadata', parsed)
  }

  #onReady (torrent: Torrent): void {
    this.emit('ready')
    const parsed = this.#parsed
    if (parsed === undefined) return
    const manifestIndex = parsed.files.findIndex(f => f.path === MANIFEST_FILE)
    for (const piece of [...this.#manifestPieces]) if (torrent.bitfield?.get(piece) === true) this.#manifestPieces.delete(piece)
    torrent.files[manifestIndex]?.select(1)
    void this.#checkManifest()
  }

  #onVerified (index: number): void {
    this.#missing.delete(index)
    if (this.#manifestPieces.delete(index)) void this.#checkManifest()
    this.#checkComplete()
  }

  async #checkManifest (): Promise<void> {
    if (this.#manifestSeen || this.#manifestPieces.size > 0 || this.#torrent?.ready !== true) return
    this.#manifestSeen = true
    try {
      this.emit('manifest', await readFile(join(this.#init.staging, MANIFEST_FILE)))
    } catch (err) {
      this.#fail(new SilmarilError('io', `cannot read the fetched ${MANIFEST_FILE}: ${(err as Error).message}`))
    }
  }

  #checkComplete (): void {
    if (this.#completed || this.#selected === undefined || this.#missing.size > 0) return
    this.#completed = true
    clearInterval(this.#lookups)
    this.emit('complete')
  }

  #lookup (): void {
    const dht = this.#init.client.dht as { lookup?: (infohash: string) => void } | false | undefined
    if (typeof dht === 'object' && typeof dht.lookup === 'function') dht.lookup(this.#init.id)
  }

  #fail (err: SilmarilError): void {
    clearInterval(this.#lookups)
    this.emit('failed', err)
  }
}

function * pieceRange (parsed: ParsedHybridTorrent, index: number): Generator<number> {
  const file = parsed.files[index]
  if (file === undefined || file.size === 0) return
  const first = Math.floor(file.offset / parsed.pieceLength)
  const last = Math.floor((file.offset + file.size - 1) / parsed.pieceLength)
  for (let piece = first; piece <= last; piece++) yield piece
}

function noop (): void {}
