declare module 'webtorrent' {
  import { EventEmitter } from 'node:events'

  export interface WebTorrentOptions {
    maxConns?: number
    nodeId?: string | Uint8Array
    peerId?: string | Uint8Array
    tracker?: boolean | Record<string, unknown>
    dht?: boolean | Record<string, unknown>
    lsd?: boolean
    utPex?: boolean
    natUpnp?: boolean | 'permanent'
    natPmp?: boolean
    webSeeds?: boolean
    utp?: boolean
    downloadLimit?: number
    uploadLimit?: number
    torrentPort?: number
    dhtPort?: number
    seedOutgoingConnections?: boolean
  }

  export interface TorrentFile {
    name: string
    path: string
    length: number
    offset: number
    downloaded: number
    progress: number
    /** Every piece of the file is verified and stored (`progress` also counts unverified bytes). */
    done?: boolean
    select (priority?: number): void
    deselect (): void
  }

  export interface Wire extends EventEmitter {
    /** 'webSeed' for web seeds, else how the peer connected (e.g. 'tcpOutgoing'). */
    type?: string | null
    remoteAddress: string
    remotePort: number
    peerId: string
    downloaded: number
    uploaded: number
    /** Whether the peer refuses our requests. */
    peerChoking: boolean
    /** Our requests the peer has not answered yet. */
    requests: unknown[]
    downloadSpeed (): number
    uploadSpeed (): number
    destroy (): void
  }

  export interface Torrent extends EventEmitter {
    infoHash: string
    magnetURI: string
    name: string
    path: string
    files: TorrentFile[]
    length: number
    pieceLength: number
    lastPieceLength: number
    downloaded: number
    uploaded: number
    received: number
    downloadSpeed: number
    uploadSpeed: number
    progress: number
    ratio: number
    numPeers: number
    timeRemaining: number
    ready: boolean
    done: boolean
    paused: boolean
    destroyed: boolean
    wires: Wire[]
    info?: Record<string, unknown>
    infoBuffer?: Uint8Array
    torrentFile?: Uint8Array
    pieces: Array<unknown>
    bitfield?: { get (index: number): boolean }
    addPeer (peer: string): boolean
    /** A web seed by URL, or a WebConn-like connection object with a string `connId`. */
    addWebSeed (conn: unknown): void
    /** Hashes every piece in the store again and marks the valid ones. */
    rescanFiles (cb?: (err: Error | null) => void): void
    pause (): void
    resume (): void
    select (start: number, end: number, priority?: number): void
    deselect (start: number, end: number): void
    destroy (opts?: { destroyStore?: boolean }, cb?: (err?: Error | null) => void): void
  }

  export interface ChunkStoreGetOptions {
    offset?: number
    /** Falsy means "to the end of the chunk" (fs-chunk-store semantics). */
    length?: number
  }

  /** The abstract-chunk-store interface webtorrent drives a `store` through. */
  export interface ChunkStore {
    readonly chunkLength: number
    put (index: number, buf: Uint8Array, cb?: (err: Error | null) => void): void
    get (index: number, cb: (err: Error | null, buf?: Uint8Array) => void): void
    get (index: number, opts: ChunkStoreGetOptions | null | undefined, cb: (err: Error | null, buf?: Uint8Array) => void): void
    close (cb?: (err: Error | null) => void): void
    destroy (cb?: (err: Error | null) => void): void
  }

  /**
   * What webtorrent passes a `store` constructor: `storeOpts` spread first, then these, so
   * `storeOpts` cannot override them.
   */
  export interface ChunkStoreOptions {
    torrent: Torrent
    path: string
    files: TorrentFile[]
    length: number
    /** `<torrent name> - <first 8 hex of the infohash>`, used with `addUID`. */
    name: string
    addUID: boolean
    /** Browser-only directory handle; null in Node. */
    rootDir: unknown
    max: number
  }

  export interface AddOptions {
    path?: string
    store?: unknown
    storeOpts?: Record<string, unknown>
    announce?: string[]
    skipVerify?: boolean
    paused?: boolean
    deselect?: boolean
    private?: boolean
    destroyStoreOnDestroy?: boolean
    preloadedStore?: unknown
    maxWebConns?: number
    strategy?: 'sequential' | 'rarest'
    alwaysChokeSeeders?: boolean
    storeCacheSlots?: number
    [key: string]: unknown
  }

  export default class WebTorrent extends EventEmitter {
    constructor (opts?: WebTorrentOptions)
    static readonly UTP_SUPPORT: boolean
    readonly torrents: Torrent[]
    readonly dht: unknown
    readonly listening: boolean
    readonly ready: boolean
    readonly destroyed: boolean
    readonly torrentPort: number
    readonly dhtPort: number
    readonly downloadSpeed: number
    readonly uploadSpeed: number
    readonly progress: number
    readonly ratio: number
    nodeId: string
    peerId: string
    add (torrentId: string | Uint8Array | Record<string, unknown>, opts?: AddOptions, onTorrent?: (torrent: Torrent) => void): Torrent
    seed (input: unknown, opts?: AddOptions, onSeed?: (torrent: Torrent) => void): Torrent
    get (torrentId: string | Uint8Array): Promise<Torrent | null>
    remove (torrentId: string | Torrent, opts?: { destroyStore?: boolean }, cb?: (err?: Error | null) => void): Promise<void>
    address (): { address: string, family: string, port: number } | null
    throttleDownload (rate: number): boolean
    throttleUpload (rate: number): boolean
    destroy (cb?: (err?: Error | null) => void): void
  }
}
