declare module 'webtorrent/lib/webconn.js' {
  import { EventEmitter } from 'node:events'
  import type { Torrent } from 'webtorrent'

  export type WebConnCallback = (err: Error | null, data?: Uint8Array) => void

  /**
   * webtorrent's web seed: a bittorrent-protocol Wire that answers the torrent's block requests
   * with `httpRequest`. On an error it sends lt_donthave for the piece and `have`s it again after
   * ten seconds. `torrent.addWebSeed(conn)` takes any instance with a string `connId`.
   */
  export default class WebConn extends EventEmitter {
    constructor (url: string, torrent: Torrent)
    url: string
    /** Deduplicates web seeds within one torrent. */
    connId: string
    readonly destroyed: boolean
    readonly lt_donthave: { donthave (index: number): void }
    have (index: number): void
    httpRequest (pieceIndex: number, offset: number, length: number, cb: WebConnCallback): void | Promise<void>
    destroy (err?: Error): void
  }
}
