/** JSON shapes of the REST API, shared by the daemon, the CLI and the TUI. */

export interface NodeSnapshot {
  version: string
  pid: number
  started_at: string
  uptime_s: number
  data_dir: string
  publisher: { id: string, fingerprint: string }
  dht: { enabled: boolean, port: number | null, nodes: number, ready: boolean }
  torrent: { port: number | null }
  transfers: { total: number, downloading: number, seeding: number }
  peers: number
  rates: { download_bps: number, upload_bps: number }
  tasks: TaskInfo[]
  /** The catalog: entries held, slots, rejections; null before the node has started it. */
  catalog: CatalogInfo | null
}

export interface CatalogInfo {
  entries: number
  live: number
  publishers_known: number
  /** The v1 infohash of the catalog torrent this node seeds. */
  infohash: string | null
  own_slot: { magnet: string, seq: number | null, infohash: string | null }
  shared_slot: { magnet: string, last: string | null, infohash: string | null }
  rejected: Record<string, number>
  pointers: Record<string, number>
  last_refresh: string | null
  refreshing: boolean
}

/** One model in the network catalog, as `discover --json` prints it. */
export interface DiscoveredModel {
  name: string
  revision: string
  license: string
  tags: string[]
  description: string
  size: number
  files: number
  format: string
  infohash: string
  infohash_v2: string
  publisher: string
  updated: string
  /**
   * Peers announced in the DHT for the model's torrent at the last count (seeders and downloaders:
   * the DHT does not tell them apart). Absent until counted: a search starts counting its first results.
   */
  peers?: number
}

export interface DhtPeerInfo { host: string, port: number, id: string }

export interface NetworkInfo {
  dht: NodeSnapshot['dht'] & { peers: DhtPeerInfo[] }
  torrent: NodeSnapshot['torrent']
}

/** A model on a node's disk, as listed by `silmaril list` and `GET /api/v1/models`. */
export interface LocalModel {
  name: string
  revision: string
  license: string
  path: string
  size: number
  files: number
  /** `shared` by this node, `downloaded` from others; absent for folders not registered yet. */
  origin?: 'shared' | 'downloaded'
  publisher?: string
  infohash?: string
  infohash_v2?: string
  magnet?: string
  seeding?: boolean
  /** Live seeding numbers, while the model's torrent is active. */
  peers?: number
  uploaded?: number
  upload_bps?: number
  /** Why the model's manifest could not be read, when it could not. */
  error?: string
}

export interface ApiErrorBody { error: { code: string, message: string } }

/** A long-running operation of the daemon (hashing a model, cloning a repository). */
export interface TaskInfo {
  id: string
  kind: 'hashing' | 'cloning'
  name: string
  done_bytes: number
  total_bytes: number
  rate_bps: number
  eta_s: number | null
  started_at: string
}

/** What `silmaril share --json` prints and `POST /api/v1/models/share` answers. */
export interface ShareResult {
  name: string
  revision: string
  infohash: string
  infohash_v2: string
  magnet: string
  path: string
  size: number
  files: number
  publisher: string
  signed: boolean
  /** True when nothing changed and the existing torrent was kept. */
  unchanged: boolean
}

export interface ShareAllResult {
  shared: ShareResult[]
  failed: Array<{ name: string, error: { code: string, message: string } }>
}

export interface UnshareResult {
  name: string
  infohash: string
  /** Whether the model's folder was deleted (only with `--delete`, only inside the data dir). */
  deleted: boolean
  path: string
}

/** Where a transfer is in its life; a download ends `seeding` once installed. */
export type TransferState =
  | 'queued'
  | 'metadata'
  /** Re-hashing the staged data before fetching the rest (a resumed download). */
  | 'checking'
  | 'downloading'
  | 'verifying'
  | 'installing'
  | 'seeding'
  | 'paused'
  | 'failed'
  | 'cancelled'

export interface TransferFile {
  path: string
  size: number
  done_bytes: number
  /** False for files left out by `--include`/`--exclude`. */
  selected: boolean
}

export interface TransferPeer {
  address: string
  client: string
  download_bps: number
  upload_bps: number
  /** `swarm` for BitTorrent peers, `origin` for the HTTP source fallback. */
  source: 'swarm' | 'origin'
}

/** One download or seeding torrent of the daemon; `GET /api/v1/transfers[/:id]`. */
export interface TransferInfo {
  /** The v1 infohash (hex): stable across restarts. */
  id: string
  kind: 'download' | 'seed'
  state: TransferState
  /** Set while paused: the state it resumes to. */
  paused: boolean
  name: string
  revision: string | null
  publisher: string | null
  license: string | null
  infohash: string
  infohash_v2: string | null
  magnet: string
  /** The model folder once installed (or seeding); the staging folder while downloading. */
  path: string | null
  total_bytes: number
  done_bytes: number
  /** 0…1 of the selected files. */
  progress: number
  download_bps: number
  upload_bps: number
  uploaded_bytes: number
  downloaded_bytes: number
  /** Bytes fetched from the HTTP origin rather than peers. */
  origin_bytes: number
  ratio: number
  peers: number
  seeders: number
  eta_s: number | null
  started_at: string
  completed_at: string | null
  error: { code: string, message: string } | null
  /** Per-file progress and live peers: in `GET /api/v1/transfers/:id` only. */
  files?: TransferFile[]
  peer_list?: TransferPeer[]
  /** What was verified before install: `pending`, `passed`, or the failure. */
  verification?: { state: 'pending' | 'passed' | 'failed', detail: string | null }
}

/** `POST /api/v1/models/download`: what `silmaril get` sends. */
export interface DownloadRequest {
  /** `org/name`, `org/name@revision`, a magnet, or a 40/64-hex infohash. */
  ref: string
  revision?: string
  publisher?: string
  include?: string[]
  exclude?: string[]
  output?: string
  accept_license?: boolean
}

/** Server-sent events of `GET /api/v1/events`; the SSE `event:` field is `type`. */
export type ServerEvent =
  | { type: 'hello', version: string, transfers: TransferInfo[] }
  | { type: 'transfer', transfer: TransferInfo }
  | { type: 'transfer-state', id: string, state: TransferState, previous: TransferState | null, transfer: TransferInfo }
  | { type: 'transfer-removed', id: string }
  | { type: 'catalog', entries: number, live: number, last_refresh: string | null }
  | { type: 'error', message: string, code: string, transfer_id?: string }
