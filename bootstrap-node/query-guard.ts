import { createHash } from 'node:crypto'
import type { Socket } from 'node:dgram'
import bencode from 'bencode'
import type { Client } from 'bittorrent-dht'
import { KRPC_ERRORS } from '../src/dht/bep44.js'
import { SilmarilError } from '../src/errors.js'
import { logger } from '../src/log.js'
import type { AdmitRefusal, ItemStore } from './item-store.js'
import type { RateLimiter } from './rate-limiter.js'

const log = logger('bootstrap:guard')

export const QUERY_TYPES = ['ping', 'find_node', 'get_peers', 'announce_peer', 'get', 'put', 'other'] as const
export type QueryType = typeof QUERY_TYPES[number]

/** What the guard has seen and done; read by the metrics. */
export interface GuardStats {
  queries: Record<QueryType, number>
  /** Datagrams dropped because their address ran out of tokens. */
  rateLimited: number
  /** Puts dropped by the per-address put limit. */
  putsRateLimited: number
  /** Puts answered 301/302 from the item held, without a signature check (mostly republished items). */
  stalePuts: number
  rejected: Record<AdmitRefusal | 'bad_signature', number>
}

export function createGuardStats (): GuardStats {
  return {
    queries: { ping: 0, find_node: 0, get_peers: 0, announce_peer: 0, get: 0, put: 0, other: 0 },
    rateLimited: 0,
    putsRateLimited: 0,
    stalePuts: 0,
    rejected: { bad_signature: 0, key_cap: 0, address_cap: 0 }
  }
}

export interface QueryGuardComponents {
  store: ItemStore
  /** Every datagram costs one token. */
  datagrams: RateLimiter
  /** Every put costs one more: signature checks are the dearest thing a node does. */
  puts: RateLimiter
  stats: GuardStats
}

interface Query {
  q?: Uint8Array
  t: Uint8Array
  a?: { k?: Buffer, salt?: Buffer, v?: unknown, token?: Buffer, seq?: number, cas?: number }
}

interface Peer {
  address: string
  port: number
}

/** The parts of bittorrent-dht's client the guard reaches into; it offers no hooks of its own. */
interface ClientInternals {
  _values: unknown
  _verify: ((sig: Buffer, message: Buffer, k: Buffer) => boolean) | null
  _secrets: Buffer[]
  _generateToken: (host: string, secret?: Buffer) => Buffer
  _validateToken: (host: string, token: Buffer) => boolean
  _rpc: {
    on (event: 'query', listener: (query: Query, peer: Peer) => void): unknown
    listeners (event: 'query'): Array<(query: Query, peer: Peer) => void>
    removeAllListeners (event: 'query'): unknown
    error (peer: Peer, query: Query, error: [number, string]): void
  }
}

/**
 * Wraps a UDP socket (before the DHT owns it) so datagrams from an address over its rate are
 * dropped before they are even decoded.
 */
export function rateLimitSocket (socket: Socket, limiter: RateLimiter, stats: GuardStats): Socket {
  if (!limiter.enabled) return socket
  const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean
  socket.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
    if (event === 'message' && !limiter.take((args[1] as { address: string }).address)) {
      stats.rateLimited++
      return false
    }
    return emit(event, ...args)
  }) as Socket['emit']
  return socket
}

/**
 * Puts the bounded store in place of the client's own and sits between its KRPC layer and its
 * query handler: counts queries by type, limits puts per address, refuses new items over the
 * per-key and per-address caps, and counts bad signatures. Call before the client listens.
 */
export function guardQueries (client: Client, components: QueryGuardComponents): void {
  const internals = client as unknown as ClientInternals
  const { store, puts, stats } = components
  internals._values = store
  const verify = internals._verify
  if (verify === null) throw new SilmarilError('internal', 'the DHT client has no BEP 44 verify; it would store unsigned items')
  internals._verify = (sig, message, k) => {
    const ok = verify(sig, message, k)
    if (!ok) stats.rejected.bad_signature++
    return ok
  }
  memoizeTokens(internals)
  const rpc = internals._rpc
  const handlers = rpc.listeners('query')
  rpc.removeAllListeners('query')
  const handle = (query: Query, peer: Peer): void => {
    for (const handler of handlers) handler(query, peer)
  }
  rpc.on('query', (query, peer) => {
    const type = queryType(query.q)
    stats.queries[type]++
    if (type !== 'put') {
      handle(query, peer)
      return
    }
    if (!puts.take(peer.address)) {
      stats.putsRateLimited++
      return
    }
    const target = putTarget(query)
    if (target === null) {
      handle(query, peer)
      return
    }
    if (answerStalePut(internals, store, target, query, peer)) {
      stats.stalePuts++
      return
    }
    const refusal = store.admit(target, query.a?.k, peer.address)
    if (refusal !== null) {
      stats.rejected[refusal]++
      log('refused a put from %s:%d (%s)', peer.address, peer.port, refusal)
      rpc.error(peer, query, [KRPC_ERRORS.GENERIC, refusal === 'key_cap' ? 'too many items for this key' : 'too many items from this address'])
      return
    }
    store.source = peer.address
    try {
      handle(query, peer)
    } finally {
      store.source = 'self'
    }
  })
}

const MAX_MEMOIZED_TOKENS = 65536

/**
 * Every get, get_peers, put and announce_peer hashes the sender's address with a secret that
 * changes every 5 minutes; under load that SHA-1 is a few percent of the node's time, so each
 * secret keeps the tokens it has made (bounded, and dropped with the secret).
 */
function memoizeTokens (internals: ClientInternals): void {
  const generate = internals._generateToken.bind(internals)
  const bySecret = new WeakMap<Buffer, Map<string, Buffer>>()
  internals._generateToken = (host, secret) => {
    const key = secret ?? internals._secrets[0]
    if (key === undefined) return generate(host, secret)
    let tokens = bySecret.get(key)
    if (tokens === undefined) {
      tokens = new Map()
      bySecret.set(key, tokens)
    }
    let token = tokens.get(host)
    if (token === undefined) {
      if (tokens.size >= MAX_MEMOIZED_TOKENS) tokens.clear()
      token = generate(host, key)
      tokens.set(host, token)
    }
    return token
  }
}

/** The hex target a put writes to, or null for a put bittorrent-dht ignores anyway. */
function putTarget (query: Query): string | null {
  const a = query.a
  if (a?.v === undefined) return null
  const hash = createHash('sha1')
  if (a.k !== undefined) {
    hash.update(a.k)
    if (a.salt !== undefined) hash.update(a.salt)
  } else {
    hash.update(bencode.encode(a.v))
  }
  return hash.digest('hex')
}

/**
 * Answers 301 or 302 before the signature check when the item held already rules the put out,
 * as bittorrent-dht would after it. Republishers re-put identical items every hour, and an
 * ed25519 check costs more than everything else a query does; the answer stores nothing and
 * tells a forger only what a get would.
 */
function answerStalePut (internals: ClientInternals, store: ItemStore, target: string, query: Query, peer: Peer): boolean {
  const a = query.a
  const held = store.seq(target)
  if (a?.k === undefined || held === undefined || a.token === undefined) return false
  if (!internals._validateToken(peer.address, a.token)) return false
  if (typeof a.cas === 'number' && held !== a.cas) {
    internals._rpc.error(peer, query, [KRPC_ERRORS.CAS_MISMATCH, 'CAS mismatch, re-read and try again'])
    return true
  }
  if (typeof a.seq === 'number' && !(a.seq > held)) {
    internals._rpc.error(peer, query, [KRPC_ERRORS.SEQ_TOO_LOW, 'sequence number less than current'])
    return true
  }
  return false
}

const TYPES = QUERY_TYPES.filter(t => t !== 'other').map(type => ({ type, bytes: Buffer.from(type) }))

/** Compared byte by byte: making a string of `q` for every datagram cost more than the lookup. */
function queryType (q: Uint8Array | undefined): QueryType {
  if (q === undefined) return 'other'
  for (const { type, bytes } of TYPES) {
    if (q.length !== bytes.length) continue
    let i = 0
    while (i < bytes.length && q[i] === bytes[i]) i++
    if (i === bytes.length) return type
  }
  return 'other'
}
