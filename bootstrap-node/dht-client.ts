import type { Socket } from 'node:dgram'
import type { EventEmitter } from 'node:events'
import DHT, { type Client } from 'bittorrent-dht'
import type WebTorrent from 'webtorrent'
import { dhtOptions, type DhtClientOptions, type DhtOptionsInit } from '../src/dht/dht-options.js'
import { whenDhtListening } from '../src/dht/dht-listen.js'

/** Options for the bootstrap node's one DHT client, whoever builds it. */
export interface DhtClientInit extends DhtOptionsInit {
  host: string
  port: number
  /** Wraps the UDP socket before the client owns it (rate limits). */
  wrapSocket: (socket: Socket) => Socket
}

/** A bare bittorrent-dht client for a node that is not a keeper; `prepare` runs before it listens. */
export async function listenBareDht (init: DhtClientInit, prepare: (client: Client) => void): Promise<Client> {
  const client = new DHT(clientOptions(init))
  prepare(client)
  await whenListening(client, client, init)
  return client
}

/**
 * A WebTorrent client whose DHT is the bootstrap node's: one UDP port serves the DHT, and the
 * same number on TCP serves the catalog torrent. `prepare` runs before the DHT listens.
 */
export async function listenTorrentClient (init: DhtClientInit, prepare: (client: Client) => void): Promise<WebTorrent> {
  const { default: WebTorrentClient } = await import('webtorrent')
  const options = clientOptions(init)
  const torrents = new WebTorrentClient({
    dht: options as unknown as Record<string, unknown>,
    ...init.nodeId === undefined ? {} : { nodeId: init.nodeId },
    tracker: false,
    lsd: false,
    natUpnp: false,
    natPmp: false,
    utp: false,
    torrentPort: init.port,
    dhtPort: init.port
  })
  prepare(torrents.dht as Client)
  try {
    await whenListening(torrents, torrents.dht as Client, init)
  } catch (err) {
    await new Promise<void>(resolve => { torrents.destroy(() => { resolve() }) })
    throw err
  }
  return torrents
}

function clientOptions (init: DhtClientInit): DhtClientOptions {
  const options: DhtClientOptions & { host?: string } = dhtOptions(init)
  options.socket = init.wrapSocket(bindTo(options.socket, init.host))
  // With a known address the node lists itself as a peer of what it announces (the catalog
  // torrent), so a newcomer that asks only this node still finds a seeder.
  if (init.host !== '0.0.0.0') options.host = init.host
  return options
}

/**
 * Kernel buffer asked for the DHT socket (Linux caps it at net.core.rmem_max / wmem_max). The
 * default ~200 KiB holds only a few hundred small datagrams, so a burst is dropped even while
 * the node has CPU to spare.
 */
export const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024

/** WebTorrent binds its DHT to all interfaces; this socket binds where the operator asked. */
function bindTo (socket: Socket, host: string): Socket {
  socket.once('listening', () => {
    try {
      socket.setRecvBufferSize(SOCKET_BUFFER_BYTES)
      socket.setSendBufferSize(SOCKET_BUFFER_BYTES)
    } catch {}
  })
  const bind = socket.bind.bind(socket) as (...args: unknown[]) => Socket
  socket.bind = ((...args: unknown[]): Socket => {
    const port = typeof args[0] === 'number' ? args[0] : 0
    const callback = args.find(arg => typeof arg === 'function')
    return callback === undefined ? bind(port, host) : bind(port, host, callback)
  }) as Socket['bind']
  return socket
}

async function whenListening (emitter: EventEmitter, client: Client, init: DhtClientInit): Promise<void> {
  const listen = emitter === (client as EventEmitter) ? () => { (client as unknown as { listen (port: number, host: string): void }).listen(init.port, init.host) } : undefined
  await whenDhtListening({ listening: emitter, warnings: client as unknown as EventEmitter }, `${init.host}:${init.port}`, listen)
}
