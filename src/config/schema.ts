import { DEFAULT_BOOTSTRAP_NODES } from '../dht/bootstrap-list.js'

/** The node's configuration: the seed README's keys plus bootstrap list, discovery, policy and limits. */
export interface SilmarilConfig {
  storage: {
    /** Data dir: models, database, identity, daemon files. @default ~/.silmaril */
    base_dir: string
  }
  network: {
    /** @default true */
    dht_enabled: boolean
    /** TCP port for peers and UDP port for the DHT; 0 picks a random one. @default 0 */
    listen_port: number
    /** @default 100 */
    max_connections: number
    /** Use the DHT only, never HTTP/UDP trackers. @default true */
    disable_trackers: boolean
    /** `host:port` of DHT routers to join through; an empty list joins through none. @default the project's bootstrap nodes (none yet), then the public mainline routers */
    bootstrap_nodes: string[]
    /** Ask the router for a port mapping (UPnP / NAT-PMP). @default true */
    nat_traversal: boolean
    /** Peer connections over uTP as well as TCP (slow in webtorrent on fast links). @default false */
    utp: boolean
  }
  daemon: {
    /** @default 127.0.0.1 */
    bind_address: string
    /** REST API port; 0 picks a random one (the CLI finds it in daemon.json). @default 8737 */
    port: number
    /** Start the daemon when a command needs it. @default true */
    auto_start: boolean
  }
  torrent: {
    /** Piece length in bytes for new torrents; 0 = automatic from the total size. @default 0 */
    piece_length: number
    /** Seconds before a download with no progress fails; 0 = never. @default 0 */
    download_timeout: number
    /** Seconds without a piece from peers before a model's HTTP origin (its manifest's source) is asked too; 0 = never. @default 30 */
    origin_fallback_s: number
  }
  security: {
    /** @default true */
    verify_manifests: boolean
    /** @default true */
    sign_manifests: boolean
  }
  share: {
    /** Org used when `share` gets no `--name`; empty = the local user name. @default '' */
    default_org: string
  }
  discovery: {
    /** Publisher keys (hex) whose catalog slots are always read. @default [] */
    publishers: string[]
    /** Seconds between background catalog refreshes. @default 600 */
    refresh_interval: number
  }
  policy: {
    /** Licenses accepted without `--accept-license`; `*` accepts any. */
    accept_licenses: string[]
    /** Publisher keys preferred when several publish the same name. @default [] */
    trusted_publishers: string[]
    /** Publisher keys never merged nor downloaded from. @default [] */
    blocked_publishers: string[]
  }
  limits: {
    /** @default 2 */
    max_concurrent_downloads: number
    /** KiB/s; 0 = unlimited. @default 0 */
    download_limit_kbps: number
    /** KiB/s; 0 = unlimited. @default 0 */
    upload_limit_kbps: number
    /** Total size of models in the data dir, in GiB; 0 = no quota. @default 0 */
    disk_quota_gb: number
  }
}

export type ConfigSection = keyof SilmarilConfig

const PERMISSIVE_LICENSES = [
  'apache-2.0', 'mit', 'bsd-2-clause', 'bsd-3-clause', 'isc', 'cc0-1.0', 'unlicense',
  'cc-by-4.0', 'cc-by-sa-4.0', 'mpl-2.0', 'openrail', 'openrail++', 'creativeml-openrail-m', 'bigscience-openrail-m'
]

export const DEFAULTS: SilmarilConfig = {
  storage: { base_dir: '~/.silmaril' },
  network: {
    dht_enabled: true,
    listen_port: 0,
    max_connections: 100,
    disable_trackers: true,
    bootstrap_nodes: [...DEFAULT_BOOTSTRAP_NODES],
    nat_traversal: true,
    utp: false
  },
  daemon: { bind_address: '127.0.0.1', port: 8737, auto_start: true },
  torrent: { piece_length: 0, download_timeout: 0, origin_fallback_s: 30 },
  security: { verify_manifests: true, sign_manifests: true },
  share: { default_org: '' },
  discovery: { publishers: [], refresh_interval: 600 },
  policy: { accept_licenses: PERMISSIVE_LICENSES, trusted_publishers: [], blocked_publishers: [] },
  limits: { max_concurrent_downloads: 2, download_limit_kbps: 0, upload_limit_kbps: 0, disk_quota_gb: 0 }
}

const MIN_PIECE_LENGTH = 16 * 1024
const MAX_PIECE_LENGTH = 16 * 1024 * 1024
const port = { type: 'integer', minimum: 0, maximum: 65535 }
const bool = { type: 'boolean' }
const publisherKey = { type: 'string', pattern: '^[0-9a-fA-F]{64}$' }
const section = (properties: Record<string, object>): object => ({ type: 'object', properties, additionalProperties: true })

/**
 * JSON Schema of a config file. Unknown keys pass validation and are reported as warnings
 * instead, so a config written for a newer version still starts an older one.
 */
export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: true,
  properties: {
    storage: section({ base_dir: { type: 'string', minLength: 1 } }),
    network: section({
      dht_enabled: bool,
      listen_port: port,
      max_connections: { type: 'integer', minimum: 1, maximum: 10000 },
      disable_trackers: bool,
      bootstrap_nodes: { type: 'array', items: { type: 'string', pattern: '^(\\[[0-9a-fA-F:.]+\\]|[^:\\s\\[\\]]+):[0-9]{1,5}$' } },
      nat_traversal: bool,
      utp: bool
    }),
    daemon: section({ bind_address: { type: 'string', minLength: 1 }, port, auto_start: bool }),
    torrent: section({
      piece_length: {
        anyOf: [
          { const: 0 },
          { type: 'integer', minimum: MIN_PIECE_LENGTH, maximum: MAX_PIECE_LENGTH, powerOfTwo: true }
        ]
      },
      download_timeout: { type: 'integer', minimum: 0 },
      origin_fallback_s: { type: 'integer', minimum: 0 }
    }),
    security: section({ verify_manifests: bool, sign_manifests: bool }),
    share: section({ default_org: { type: 'string', pattern: '^$|^[A-Za-z0-9][A-Za-z0-9._-]*$' } }),
    discovery: section({
      publishers: { type: 'array', items: publisherKey },
      refresh_interval: { type: 'integer', minimum: 10 }
    }),
    policy: section({
      accept_licenses: { type: 'array', items: { type: 'string', minLength: 1 } },
      trusted_publishers: { type: 'array', items: publisherKey },
      blocked_publishers: { type: 'array', items: publisherKey }
    }),
    limits: section({
      max_concurrent_downloads: { type: 'integer', minimum: 1, maximum: 64 },
      download_limit_kbps: { type: 'integer', minimum: 0 },
      upload_limit_kbps: { type: 'integer', minimum: 0 },
      disk_quota_gb: { type: 'number', minimum: 0 }
    })
  }
} as const

export const CONFIG_SECTIONS = Object.keys(DEFAULTS) as ConfigSection[]

export function isKnownKey (section: string, key?: string): boolean {
  const known = (DEFAULTS as unknown as Record<string, Record<string, unknown> | undefined>)[section]
  if (known === undefined) return false
  return key === undefined || Object.hasOwn(known, key)
}
