import { createSocket, type Socket, type SocketOptions } from 'node:dgram'
import { lookup as dnsLookup } from 'node:dns'
import { isIPv4 } from 'node:net'
import { logger } from '../log.js'
import { decodeKrpc, installKrpcCodec, withDecoded } from './krpc-codec.js'

const log = logger('dht:guard')

// bittorrent-dht 11 and k-rpc call Buffer methods on these fields without checking their type,
// so one datagram with, say, a numeric `target` or a `sig` without `k` throws out of the socket
// handler and kills the process.
const BYTE_FIELDS = ['id', 'target', 'info_hash', 'token', 'k', 'salt', 'sig', 'nodes', 'nodes6'] as const
const INTEGER_FIELDS = ['port', 'implied_port', 'seq', 'cas'] as const

type Dict = Record<string, unknown>

/**
 * The KRPC message in a datagram, decoded as the DHT will read it, or null when it is malformed
 * or its fields do not have the types the DHT code relies on.
 */
export function decodeWellFormedKrpc (datagram: Buffer): Dict | null {
  const message = decodeKrpc(datagram)
  if (!isDict(message) || !isBytes(message['t']) || !isBytes(message['y'])) return null
  switch (message['y'].toString()) {
    case 'q':
      return isBytes(message['q']) && isDict(message['a']) && fieldsWellTyped(message['a']) &&
        (message['q'].toString() !== 'put' || putComplete(message['a']))
        ? message
        : null
    case 'r':
      return isDict(message['r']) && fieldsWellTyped(message['r']) && valuesWellTyped(message['r']['values']) ? message : null
    case 'e':
      return message['e'] === undefined || Array.isArray(message['e']) ? message : null
    default:
      return null
  }
}

/** Whether a datagram is a KRPC message whose fields have the types the DHT code relies on. */
export function wellFormedKrpc (datagram: Uint8Array): boolean {
  return decodeWellFormedKrpc(Buffer.isBuffer(datagram) ? datagram : Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength)) !== null
}

function fieldsWellTyped (dict: Dict): boolean {
  for (const field of BYTE_FIELDS) {
    if (dict[field] !== undefined && !isBytes(dict[field])) return false
  }
  for (const field of INTEGER_FIELDS) {
    if (dict[field] !== undefined && !Number.isSafeInteger(dict[field])) return false
  }
  return true
}

// A put that has any of k, sig or salt is treated as mutable and hashes k + salt unchecked.
function putComplete (args: Dict): boolean {
  const mutable = args['k'] !== undefined || args['sig'] !== undefined || args['salt'] !== undefined
  return !mutable || (args['k'] !== undefined && args['sig'] !== undefined)
}

function valuesWellTyped (values: unknown): boolean {
  return values === undefined || (Array.isArray(values) && values.every(isBytes))
}

function isDict (value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value)
}

function isBytes (value: unknown): value is Buffer {
  return Buffer.isBuffer(value)
}

/**
 * A UDP socket for bittorrent-dht's `socket` option that drops malformed KRPC datagrams
 * before the DHT sees them. Each DHT client needs its own.
 */
export function guardedSocket (): Socket {
  installKrpcCodec()
  let bound = false
  // dgram resolves every destination, even an IP address, through dns.lookup and a nextTick; a
  // DHT node sends to addresses only, thousands of times a second. Not before 'listening': a
  // synchronous lookup in bind() would emit it before the caller listens for it.
  const lookup: NonNullable<SocketOptions['lookup']> = (host, options, callback) => {
    if (bound && isIPv4(host)) callback(null, host, 4)
    else dnsLookup(host, options, callback)
  }
  const socket = createSocket({ type: 'udp4', lookup })
  socket.once('listening', () => { bound = true })
  const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean
  socket.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
    if (event === 'message') {
      const [datagram, rinfo] = args as [Buffer, { address: string, port: number }]
      const message = decodeWellFormedKrpc(datagram)
      if (message === null) {
        log('dropped a malformed datagram from %s:%d', rinfo.address, rinfo.port)
        return false
      }
      return withDecoded(datagram, message, () => emit(event, ...args))
    }
    return emit(event, ...args)
  }) as Socket['emit']
  return socket
}
