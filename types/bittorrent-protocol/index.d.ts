declare module 'bittorrent-protocol' {
  /** A BitTorrent peer wire (bittorrent-protocol 5, as patched); only what the tests use. */
  export default class Wire {
    /** `type` 'tcpOutgoing' or 'tcpIncoming'; `peEnabled` 0 no protocol encryption, 1 offered with plaintext, 2 RC4 only. */
    constructor (type?: string, peEnabled?: 0 | 1 | 2)
    readonly requests: unknown[]
    /** 1 plaintext or 2 RC4, once the encryption handshake is done. */
    readonly _encryptionMethod: number | null | undefined
    /** The initiator's side of the encryption handshake (BEP 8). */
    startEncryption (infoHash: string): void
    /** The responder's side, once it knows the torrent from 'crypto-infohash'. */
    setInfoHash (infoHash: string): void
    readonly peerChoking: boolean
    handshake (infoHash: string, peerId: string, extensions?: Record<string, boolean>): void
    unchoke (): void
    request (index: number, offset: number, length: number, cb: (err: Error | null, block?: Uint8Array) => void): void
    piece (index: number, offset: number, buffer: Uint8Array): void
    cancel (index: number, offset: number, length: number): void
    have (index: number): void
    pipe<T> (destination: T): T
    destroy (): void
    on (event: 'request', listener: (index: number, offset: number, length: number, respond: (err: Error | null, block?: Uint8Array) => void) => void): this
    on (event: 'cancel', listener: (index: number, offset: number, length: number) => void): this
    on (event: 'have', listener: (index: number) => void): this
    on (event: 'handshake', listener: (infoHash: string, peerId: string) => void): this
    on (event: 'crypto-infohash' | 'crypto-handshake', listener: () => void): this
    once (event: string, listener: (...args: unknown[]) => void): this
  }
}
