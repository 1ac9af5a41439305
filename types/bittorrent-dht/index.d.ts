declare module 'bittorrent-dht' {
  import { EventEmitter } from 'node:events'
  import type { Socket } from 'node:dgram'
  import type { AddressInfo } from 'node:net'

  export interface DHTPeer {
    host: string
    port: number
  }

  export interface DHTContact extends DHTPeer {
    id: Buffer
    token?: Buffer | null
    distance?: number
    seen?: number
  }

  export type DHTVerify = (signature: Buffer, message: Buffer, publicKey: Buffer) => boolean

  /** Options of `new DHT(opts)`; the rest is passed down to k-rpc and k-rpc-socket. */
  export interface DHTOptions {
    /** Node id (20 bytes); random when omitted. */
    nodeId?: Buffer | Uint8Array | string
    /** Nodes to bootstrap from, `false` for none. Omitted means the public routers. */
    bootstrap?: false | true | Array<string | DHTPeer>
    /** Own address, used to add self as a peer on announce. */
    host?: string | false
    /** BEP 44 signature check; without it mutable puts are refused. */
    verify?: DHTVerify
    hash?: (input: Buffer) => Buffer
    maxTables?: number
    maxValues?: number
    maxPeers?: number
    maxAge?: number
    timeBucketOutdated?: number
    /** k-rpc: nodes per bucket. */
    k?: number
    /** k-rpc: parallel queries. */
    concurrency?: number
    /** k-rpc-socket: query timeout in ms. */
    timeout?: number
    /** k-rpc-socket: the UDP socket to use instead of a new udp4 one. */
    socket?: Socket
  }

  export interface DHTPutOptions {
    v: unknown
    k?: Buffer
    salt?: Buffer
    seq?: number
    cas?: number
    sig?: Buffer
    sign?: (message: Buffer) => Buffer
  }

  /** A KRPC error reply carries its numeric code; local failures carry a string code or none. */
  export interface DHTError extends Error {
    code?: number | string
  }

  /** A reply to `get`, after verification. */
  export interface DHTGetResult {
    id: Buffer
    token?: Buffer | null
    v: unknown
    k?: Buffer
    sig?: Buffer
    seq?: number
    salt?: Buffer
  }

  /** What a node keeps for a stored item. */
  export interface DHTStoredValue {
    v: unknown
    id: Buffer
    k?: Buffer
    sig?: Buffer
    seq?: number
    salt?: Buffer
  }

  export interface DHTRoutingTable {
    toArray (): DHTContact[]
    count (): number
    get (id: Buffer): DHTContact | null
    closest (id: Buffer, n?: number): DHTContact[]
  }

  export class Client extends EventEmitter {
    constructor (opts?: DHTOptions)
    readonly nodeId: Buffer
    readonly nodes: DHTRoutingTable
    readonly listening: boolean
    readonly destroyed: boolean
    /** Set once the bootstrap lookup has finished, whether or not any node answered. */
    readonly ready?: boolean
    /**
     * Stored BEP 44 values by hex target. Private to bittorrent-dht; read only through
     * `DhtNode`, which guards against its absence.
     */
    readonly _values?: { peek (key: string): DHTStoredValue | undefined }

    listen (port?: number, host?: string, onlistening?: () => void): void
    address (): AddressInfo
    addNode (node: { host: string, port: number, id?: Buffer | string }): void
    removeNode (id: Buffer | string): void
    put (opts: DHTPutOptions, cb?: (err: DHTError | null, target: Buffer, nodes: number) => void): Buffer
    get (
      target: Buffer | string,
      opts: { salt?: Buffer, cache?: boolean, verify?: DHTVerify },
      cb: (err: DHTError | null, result: DHTGetResult | null) => void
    ): void
    lookup (infoHash: Buffer | string, cb?: (err: Error | null, nodes: number) => void): () => void
    announce (infoHash: Buffer | string, port?: number, cb?: (err: Error | null) => void): void
    toJSON (): { nodes: DHTPeer[], values: Record<string, unknown> }
    destroy (cb?: () => void): void
  }

  export { Client as default }
  export class Server extends Client {}
}
