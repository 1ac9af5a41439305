import type { Socket } from 'node:dgram'
import { isIP } from 'node:net'
import type { DHTVerify } from 'bittorrent-dht'
import { SilmarilError } from '../errors.js'
import { logger } from '../log.js'
import { dhtVerify } from './bep44.js'
import { parseHostPort, type HostPort } from './bootstrap-list.js'
import { guardedSocket } from './krpc-guard.js'

const log = logger('dht')

export const NODE_ID_BYTES = 20

export const DEFAULTS = {
  maxValues: 1000,
  maxPeers: 10000,
  k: 20,
  concurrency: 16,
  queryTimeoutMs: 2000
} as const

export interface DhtOptionsInit {
  /**
   * Nodes to join through, as `host:port`; `false` starts a network of its own (a bootstrap
   * node, or node 0 of a testnet). There is no default: pass PUBLIC_BOOTSTRAP_NODES explicitly.
   */
  bootstrap: readonly string[] | false
  /** 20-byte node id. @default random */
  nodeId?: Uint8Array
  /** BEP 44 items kept for others. @default 1000 */
  maxValues?: number
  /** Peers kept per infohash table. @default 10000 */
  maxPeers?: number
  /** Nodes per routing bucket. @default 20 */
  k?: number
  /** Queries in flight. @default 16 */
  concurrency?: number
  /** How long a query waits for its reply. @default 2000 */
  queryTimeoutMs?: number
}

/** Options for `new DHT(opts)`, also handed to WebTorrent as `dht` so both share one DHT. */
export type DhtClientOptions = {
  bootstrap: HostPort[] | false
  nodeId?: Buffer
  verify: DHTVerify
  /** The client's own UDP socket, which drops malformed KRPC datagrams. */
  socket: Socket
  maxValues: number
  maxPeers: number
  k: number
  concurrency: number
  timeout: number
}

/** Options for one DHT client: they carry its socket, so make new ones for each client. */
export function dhtOptions (init: DhtOptionsInit): DhtClientOptions {
  if (init.nodeId !== undefined && (!(init.nodeId instanceof Uint8Array) || init.nodeId.length !== NODE_ID_BYTES)) {
    throw SilmarilError.badRequest(`a DHT node id must be ${NODE_ID_BYTES} bytes`)
  }
  const options: DhtClientOptions = {
    bootstrap: init.bootstrap === false ? false : bootstrapPeers(init.bootstrap),
    verify: dhtVerify,
    maxValues: positive('maxValues', init.maxValues ?? DEFAULTS.maxValues),
    maxPeers: positive('maxPeers', init.maxPeers ?? DEFAULTS.maxPeers),
    k: positive('k', init.k ?? DEFAULTS.k),
    concurrency: positive('concurrency', init.concurrency ?? DEFAULTS.concurrency),
    timeout: positive('queryTimeoutMs', init.queryTimeoutMs ?? DEFAULTS.queryTimeoutMs),
    socket: guardedSocket()
  }
  if (init.nodeId !== undefined) options.nodeId = Buffer.from(init.nodeId)
  return options
}

// bittorrent-dht splits string entries on the first ':' and its socket is IPv4 only.
function bootstrapPeers (list: readonly string[]): HostPort[] {
  const peers: HostPort[] = []
  for (const entry of list) {
    const peer = parseHostPort(entry)
    if (isIP(peer.host) === 6) {
      log('skipping IPv6 bootstrap node %s: the DHT socket is IPv4 only', entry)
      continue
    }
    peers.push(peer)
  }
  return peers
}

function positive (name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw SilmarilError.badRequest(`DHT option ${name} must be a positive integer, got ${String(value)}`)
  }
  return value
}
