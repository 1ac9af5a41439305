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
  /** Why the model's manifest could not be read, when it could not. */
  error?: string
}

export interface ApiErrorBody { error: { code: string, message: string } }
