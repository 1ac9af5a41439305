import { EventEmitter } from 'node:events'
import { isIP } from 'node:net'
import DHT, { type Client, type DHTError, type DHTGetResult, type DHTPutOptions } from 'bittorrent-dht'
import { SilmarilError } from '../errors.js'
import { logger } from '../log.js'
import { dhtVerify, MAX_VALUE_BYTES, mutableTarget, signable, toBytes, valueByteLength, type BencodeValue } from './bep44.js'
import { dhtOptions, type DhtOptionsInit } from './dht-options.js'
import { keyPairFromSeed, sign, verify, type KeyPair } from './ed25519.js'
import { putError } from './put-error.js'
import { whenDhtListening } from './dht-listen.js'

const log = logger('dht')

export interface DhtNodeComponents {
  dht: Client
}

export interface DhtNodeInit {
  /**
   * Whether `destroy()` closes the DHT client too. Leave false when the client belongs to
   * someone else, such as the WebTorrent client that made it.
   * @default false
   */
  ownsDht?: boolean
}

export interface DhtPeerInfo {
  host: string
  port: number
  /** Node id in lowercase hex. */
  id: string
}

export interface DhtAddress {
  host: string
  port: number
  family: string
}

export interface PutMutableOptions {
  /** The publisher's 32-byte ed25519 seed; or pass `keyPair`. */
  seed?: Uint8Array
  keyPair?: KeyPair
  salt?: Uint8Array | string
  seq: number
  /** Compare-and-swap: nodes replace the item only if they hold it at this seq. */
  cas?: number
  v: BencodeValue
}

export interface PutMutableResult {
  /** The DHT key, SHA-1(k + salt), in lowercase hex. */
  target: string
  seq: number
  /** How many nodes accepted the item. */
  nodes: number
}

/** A verified BEP 44 mutable item, as read from the DHT; enough to re-put it unchanged. */
export interface MutableItem {
  v: BencodeValue
  seq: number
  k: Uint8Array
  sig: Uint8Array
  /** Empty when the item has no salt. */
  salt: Uint8Array
}

export interface DhtStats {
  /** Puts at least one node accepted. */
  putsSent: number
  putsFailed: number
  getsSent: number
  getsFound: number
  getsMissing: number
  /** Put queries from other nodes, counted before their signatures are checked. */
  putsReceived: number
  getsReceived: number
  warnings: number
}

export interface DhtNodeEvents {
  ready: []
  listening: []
  node: [DhtPeerInfo]
  warning: [Error]
  error: [Error]
  close: []
}

/** Promise APIs and counters over a bittorrent-dht client, own or shared with WebTorrent. */
export class DhtNode extends EventEmitter<DhtNodeEvents> {
  readonly #dht: Client
  readonly #ownsDht: boolean
  readonly #stats: DhtStats = { putsSent: 0, putsFailed: 0, getsSent: 0, getsFound: 0, getsMissing: 0, putsReceived: 0, getsReceived: 0, warnings: 0 }
  readonly #pending = new Set<(err: Error) => void>()
  readonly #detach: Array<() => void> = []
  #closed = false
  #destroying: Promise<void> | undefined

  constructor (components: DhtNodeComponents, init: DhtNodeInit = {}) {
    super()
    this.#dht = components.dht
    this.#ownsDht = init.ownsDht ?? false
    this.#listen('ready', () => { this.emit('ready') })
    this.#listen('listening', () => { this.emit('listening') })
    this.#listen('node', (node: { id: Buffer, host: string, port: number }) => { this.emit('node', peerInfo(node)) })
    this.#listen('put', () => { this.#stats.putsReceived++ })
    this.#listen('get', () => { this.#stats.getsReceived++ })
    this.#listen('warning', (err: Error) => {
      this.#stats.warnings++
      log('warning: %s', err.message)
      this.emit('warning', err)
    })
    this.#listen('error', (err: Error) => {
      // A shared client's owner already reports its errors; only re-raise when asked to.
      if (this.#ownsDht || this.listenerCount('error') > 0) this.emit('error', err)
    })
    this.#listen('close', () => { this.#close() })
    if (this.#dht.destroyed) this.#close()
  }

  /** Node id in lowercase hex. */
  get nodeId (): string {
    return this.#dht.nodeId.toString('hex')
  }

  get stats (): DhtStats {
    return { ...this.#stats }
  }

  isReady (): boolean {
    return this.#dht.ready === true
  }

  /**
   * Resolves once the bootstrap lookup has finished. bittorrent-dht calls a node ready even
   * when no bootstrap node answered, so check `nodeCount()` to know whether it joined.
   */
  async ready (): Promise<void> {
    if (this.isReady()) return
    await this.#call<void>((resolve) => {
      const onReady = (): void => { resolve() }
      this.#dht.once('ready', onReady)
      return () => { this.#dht.removeListener('ready', onReady) }
    })
  }

  nodeCount (): number {
    return this.#dht.nodes.count()
  }

  nodes (): DhtPeerInfo[] {
    return this.#dht.nodes.toArray().map(peerInfo)
  }

  /** Adds a node to the routing table; without an id it is pinged first and added if it answers. */
  addNode (node: { host: string, port: number, id?: Uint8Array }): void {
    if (this.#closed) return
    this.#dht.addNode(node.id === undefined
      ? { host: node.host, port: node.port }
      : { host: node.host, port: node.port, id: Buffer.from(node.id) })
  }

  /** The bound UDP address, or null before listening and after destroy. */
  address (): DhtAddress | null {
    if (this.#closed || !this.#dht.listening) return null
    try {
      const { address, port, family } = this.#dht.address()
      return { host: address, port, family }
    } catch {
      return null
    }
  }

  /** Signs and stores a mutable item on the nodes closest to its target. */
  async putMutable (options: PutMutableOptions): Promise<PutMutableResult> {
    const keyPair = options.keyPair ?? (options.seed === undefined ? undefined : keyPairFromSeed(options.seed))
    if (keyPair === undefined) throw SilmarilError.badRequest('putMutable needs a seed or a keyPair')
    const salt = toBytes(options.salt)
    const message = signable({ salt, seq: options.seq, v: options.v })
    const sig = sign(message, keyPair.secretSeed)
    if (!verify(sig, message, keyPair.publicKey)) {
      throw SilmarilError.badRequest('keyPair.publicKey does not belong to keyPair.secretSeed')
    }
    return await this.#put({ k: keyPair.publicKey, sig, salt, seq: options.seq, v: options.v }, options.cas)
  }

  /** Stores an item someone else signed, unchanged; BEP 44 lets anyone re-put a signed item. */
  async putSigned (item: MutableItem, options: { cas?: number } = {}): Promise<PutMutableResult> {
    if (!verify(item.sig, signable(item), item.k)) {
      throw new SilmarilError('verification_failed', 'the item signature does not verify; it would be dropped by every node')
    }
    return await this.#put(item, options.cas)
  }

  /** Reads the newest verified item from the network and the local store; null when nobody has it. */
  async getMutable (publicKey: Uint8Array, salt?: Uint8Array | string): Promise<MutableItem | null> {
    const saltBytes = toBytes(salt)
    const target = Buffer.from(mutableTarget(publicKey, saltBytes))
    this.#stats.getsSent++
    const result = await this.#call<DHTGetResult | null>((resolve, reject) => {
      const options = { salt: saltBytes.length > 0 ? Buffer.from(saltBytes) : undefined, cache: false, verify: dhtVerify }
      this.#dht.get(target, options, (err, res) => {
        if (err instanceof Error) reject(new SilmarilError('network', `DHT get failed: ${err.message}`, { cause: err }))
        else resolve(res)
      })
    })
    const remote = result === null ? null : itemFrom(result, saltBytes)
    const local = this.localMutable(publicKey, saltBytes)
    const best = local !== null && (remote === null || local.seq > remote.seq) ? local : remote
    if (best === null) this.#stats.getsMissing++
    else this.#stats.getsFound++
    return best
  }

  /**
   * The peers announced for an infohash (40 hex characters), as `host:port`, from one get_peers
   * lookup; the lookup is abandoned after `timeoutMs` with what it found so far.
   */
  async findPeers (infohash: string, { timeoutMs = 15_000 } = {}): Promise<string[]> {
    const wanted = infohash.toLowerCase()
    const found = new Set<string>()
    return await this.#call<string[]>(resolve => {
      const onPeer = (peer: { host: string, port: number }, hash: Buffer): void => {
        if (hash.toString('hex') === wanted) found.add(`${peer.host}:${peer.port}`)
      }
      this.#dht.on('peer', onPeer)
      const timer = setTimeout(() => { resolve([...found]) }, timeoutMs)
      const abort = this.#dht.lookup(wanted, () => { resolve([...found]) })
      return () => {
        clearTimeout(timer)
        abort()
        this.#dht.removeListener('peer', onPeer)
      }
    })
  }

  /** The item this node stores for others, re-verified; null when it holds none. */
  localMutable (publicKey: Uint8Array, salt?: Uint8Array | string): MutableItem | null {
    const saltBytes = toBytes(salt)
    const key = Buffer.from(mutableTarget(publicKey, saltBytes)).toString('hex')
    const stored = this.#dht._values?.peek(key)
    if (stored === undefined) return null
    return itemFrom(stored, saltBytes)
  }

  /** Stops forwarding events and fails pending calls; closes the client when it owns it. */
  async destroy (): Promise<void> {
    this.#destroying ??= this.#destroy()
    return await this.#destroying
  }

  async #destroy (): Promise<void> {
    if (this.#ownsDht && !this.#dht.destroyed) {
      await new Promise<void>(resolve => { this.#dht.destroy(() => { resolve() }) })
    }
    this.#close()
  }

  async #put (item: MutableItem, cas: number | undefined): Promise<PutMutableResult> {
    const size = valueByteLength(item.v)
    if (size > MAX_VALUE_BYTES) {
      throw SilmarilError.badRequest(`a DHT item value may be at most ${MAX_VALUE_BYTES} bytes bencoded, got ${size}`)
    }
    if (cas !== undefined && (!Number.isSafeInteger(cas) || cas < 0)) {
      throw SilmarilError.badRequest(`cas must be a non-negative safe integer, got ${String(cas)}`)
    }
    const target = Buffer.from(mutableTarget(item.k, item.salt)).toString('hex')
    const options: DHTPutOptions = { k: Buffer.from(item.k), sig: Buffer.from(item.sig), seq: item.seq, v: item.v }
    if (item.salt.length > 0) options.salt = Buffer.from(item.salt)
    if (cas !== undefined) options.cas = cas
    try {
      const nodes = await this.#call<number>((resolve, reject) => {
        this.#dht.put(options, (err: DHTError | null, _key, n) => {
          if (err instanceof Error) reject(putError(err, target))
          else resolve(n)
        })
      })
      this.#stats.putsSent++
      log('put %s seq %d on %d nodes', target, item.seq, nodes)
      return { target, seq: item.seq, nodes }
    } catch (err) {
      this.#stats.putsFailed++
      if (err instanceof SilmarilError) throw err
      throw SilmarilError.badRequest(`DHT put refused: ${(err as Error).message}`)
    }
  }

  // bittorrent-dht never calls back once destroyed, so pending calls are failed here instead.
  async #call<T> (start: (resolve: (value: T) => void, reject: (err: Error) => void) => (() => void) | void): Promise<T> {
    if (this.#closed) throw new SilmarilError('network', 'the DHT node is stopped')
    return await new Promise<T>((resolve, reject) => {
      const state: { settled: boolean, cleanup?: () => void } = { settled: false }
      const settle = (): void => {
        state.settled = true
        this.#pending.delete(fail)
        state.cleanup?.()
      }
      const fail = (err: Error): void => { settle(); reject(err) }
      this.#pending.add(fail)
      let cleanup: (() => void) | void
      try {
        cleanup = start(value => { settle(); resolve(value) }, fail)
      } catch (err) {
        fail(err as Error)
        return
      }
      if (typeof cleanup !== 'function') return
      if (state.settled) cleanup()
      else state.cleanup = cleanup
    })
  }

  #close (): void {
    if (this.#closed) return
    this.#closed = true
    for (const detach of this.#detach) detach()
    const stopped = new SilmarilError('network', 'the DHT node stopped')
    for (const fail of [...this.#pending]) fail(stopped)
    this.emit('close')
  }

  #listen<A extends unknown[]> (event: string, listener: (...args: A) => void): void {
    const untyped = listener as (...args: unknown[]) => void
    this.#dht.on(event, untyped)
    this.#detach.push(() => { this.#dht.removeListener(event, untyped) })
  }
}

export interface CreateDhtInit extends DhtOptionsInit {
  /** Address to bind. @default all interfaces */
  host?: string
  /** UDP port; 0 picks a free one. @default 0 */
  port?: number
}

/** Starts a standalone DHT client and resolves once its socket is bound. */
export async function createDht (init: CreateDhtInit): Promise<DhtNode> {
  const port = init.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw SilmarilError.badRequest(`the DHT port must be an integer from 0 to 65535, got ${String(port)}`)
  }
  if (init.host !== undefined && isIP(init.host) === 6) {
    throw SilmarilError.badRequest(`the DHT listens on IPv4 only; cannot bind ${init.host}`)
  }
  const host = init.host
  const dht = new DHT(dhtOptions(init))
  try {
    await whenDhtListening({ listening: dht, warnings: dht }, `${host ?? '0.0.0.0'}:${port}`, () => { dht.listen(port, host) })
  } catch (err) {
    await new Promise<void>(resolve => { dht.destroy(() => { resolve() }) })
    throw err
  }
  return new DhtNode({ dht }, { ownsDht: true })
}

function peerInfo (node: { id: Buffer, host: string, port: number }): DhtPeerInfo {
  return { host: node.host, port: node.port, id: node.id.toString('hex') }
}

function itemFrom (raw: { v: unknown, k?: Buffer, sig?: Buffer, seq?: number }, salt: Uint8Array): MutableItem | null {
  if (raw.k === undefined || raw.sig === undefined) return null
  const item: MutableItem = { v: raw.v as BencodeValue, seq: raw.seq ?? 0, k: raw.k, sig: raw.sig, salt }
  try {
    return verify(item.sig, signable(item), item.k) ? item : null
  } catch {
    return null
  }
}
