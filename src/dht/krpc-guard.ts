import { createSocket, type Socket } from 'node:dgram'
import bencode from 'bencode'
import { logger } from '../log.js'

const log = logger('dht:guard')

// bittorrent-dht 11 and k-rpc call Buffer methods on these fields without checking their type,
// so one datagram with, say, a numeric `target` or a `sig` without `k` throws out of the socket
// handler and kills the process.
const BYTE_FIELDS = ['id', 'target', 'info_hash', 'token', 'k', 'salt', 'sig', 'nodes', 'nodes6'] as const
const INTEGER_FIELDS = ['port', 'implied_port', 'seq', 'cas'] as const

type Dict = Record<string, unknown>

/** Whether a datagram is a KRPC message whose fields have the types the DHT code relies on. */
export function wellFormedKrpc (datagram: Uint8Array): boolean {
  let message: unknown
  try {
    message = bencode.decode(datagram)
  } catch {
    return false
  }
  if (!isDict(message) || !isBytes(message['t']) || !isBytes(message['y'])) return false
  switch (Buffer.from(message['y']).toString()) {
    case 'q':
      return isBytes(message['q']) && isDict(message['a']) && fieldsWellTyped(message['a']) &&
        (Buffer.from(message['q']).toString() !== 'put' || putComplete(message['a']))
    case 'r':
      return isDict(message['r']) && fieldsWellTyped(message['r']) && valuesWellTyped(message['r']['values'])
    case 'e':
      return message['e'] === undefined || Array.isArray(message['e'])
    default:
      return false
  }
}

/**
 * A UDP socket for bittorrent-dht's `socket` option that drops malformed KRPC datagrams
 * before the DHT sees them. Each DHT client needs its own.
 */
export function guardedSocket (): Socket {
  const socket = createSocket('udp4')
  const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean
  socket.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
    if (event === 'message') {
      const [datagram, rinfo] = args as [Buffer, { address: string, port: number }]
      if (!wellFormedKrpc(datagram)) {
        log('dropped a malformed datagram from %s:%d', rinfo.address, rinfo.port)
        return false
      }
    }
    return emit(event, ...args)
  }) as Socket['emit']
  return socket
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
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
}

function isBytes (value: unknown): value is Uint8Array {
  return value instanceof Uint8Array
}
