import { createSocket, type Socket } from 'node:dgram'
import bencode from 'bencode'
import { keyPairFromSeed, sign } from '../../src/dht/ed25519.js'
import { signable } from '../../src/dht/bep44.js'

/**
 * A bare KRPC client on its own loopback address (127.0.0.0/8 is all loopback on Linux), so a
 * test can be "another IP" without leaving the machine. Counts every reply it gets.
 */
export interface KrpcClient {
  address: string
  id: Buffer
  replies: number
  errors: number
  /** Sends one query and waits for its reply; null when none comes within `timeoutMs`. */
  query (q: string, a: Record<string, unknown>, timeoutMs?: number): Promise<KrpcReply | null>
  /** Sends `count` queries in batches (yielding between them so the socket buffers drain); does not wait for replies. */
  flood (count: number, build: (i: number) => { q: string, a: Record<string, unknown> }): Promise<void>
  close (): Promise<void>
}

export interface KrpcReply {
  y: string
  r?: Record<string, unknown>
  e?: [number, Uint8Array | string]
}

const FLOOD_BATCH = 50

export async function createKrpcClient (host: string, target: { host: string, port: number }): Promise<KrpcClient> {
  const socket: Socket = createSocket('udp4')
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(0, host, () => { socket.removeListener('error', reject); resolve() })
  })
  const waiting = new Map<number, (reply: KrpcReply) => void>()
  let tick = 0
  const client: KrpcClient = {
    address: host,
    id: Buffer.from(Array.from({ length: 20 }, (_, i) => (i * 37 + host.length) & 0xff)),
    replies: 0,
    errors: 0,
    query: async (q, a, timeoutMs = 2000) => {
      const t = nextTid()
      const reply = new Promise<KrpcReply | null>(resolve => {
        const timer = setTimeout(() => { waiting.delete(t); resolve(null) }, timeoutMs)
        waiting.set(t, r => { clearTimeout(timer); resolve(r) })
      })
      send(t, q, a)
      return await reply
    },
    flood: async (count, build) => {
      for (let i = 0; i < count; i++) {
        const { q, a } = build(i)
        send(nextTid(), q, a)
        if (i % FLOOD_BATCH === FLOOD_BATCH - 1) await new Promise(resolve => setImmediate(resolve))
      }
    },
    close: async () => { await new Promise<void>(resolve => { socket.close(() => { resolve() }) }) }
  }
  socket.on('message', datagram => {
    let message: { t?: Uint8Array, y?: Uint8Array, r?: Record<string, unknown>, e?: [number, Uint8Array] }
    try {
      message = bencode.decode(datagram) as typeof message
    } catch {
      return
    }
    const y = message.y === undefined ? '' : Buffer.from(message.y).toString()
    if (y === 'r') client.replies++
    if (y === 'e') client.errors++
    const t = message.t === undefined ? -1 : Buffer.from(message.t).readUInt16BE(0)
    const resolve = waiting.get(t)
    if (resolve === undefined) return
    waiting.delete(t)
    resolve({ y, ...message.r === undefined ? {} : { r: message.r }, ...message.e === undefined ? {} : { e: message.e } })
  })
  function nextTid (): number {
    tick = tick === 0xffff ? 1 : tick + 1
    return tick
  }
  function send (t: number, q: string, a: Record<string, unknown>): void {
    const tid = Buffer.alloc(2)
    tid.writeUInt16BE(t)
    const datagram = bencode.encode({ t: tid, y: 'q', q, a: { id: client.id, ...a } })
    socket.send(datagram, target.port, target.host)
  }
  return client
}

/** The `a` of a signed BEP 44 mutable put, for a key made from `seed`. */
export function signedPut (seed: Uint8Array, token: Uint8Array, { salt, seq = 1, v = Buffer.from('hello') }: { salt?: string, seq?: number, v?: Buffer } = {}): Record<string, unknown> {
  const keyPair = keyPairFromSeed(seed)
  const sig = sign(signable({ salt, seq, v }), keyPair.secretSeed)
  return { token, k: Buffer.from(keyPair.publicKey), seq, v, sig: Buffer.from(sig), ...salt === undefined ? {} : { salt: Buffer.from(salt) } }
}
