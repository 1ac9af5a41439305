import bencode from 'bencode'

const ID = Buffer.alloc(20, 7)
const T = Buffer.from('aa')

/** A `get` that any node answers with a write token. */
export function getQuery (target: Uint8Array = Buffer.alloc(20, 1)): Uint8Array {
  return bencode.encode({ t: T, y: 'q', q: 'get', a: { id: ID, target } })
}

export function pingQuery (): Uint8Array {
  return bencode.encode({ t: T, y: 'q', q: 'ping', a: { id: ID } })
}

/** Queries that each throw out of an unguarded bittorrent-dht 11 socket handler. */
export function crashingQueries (token: Uint8Array): Record<string, Uint8Array> {
  const v = Buffer.from('x')
  const queries = {
    'put with sig but no k': { q: 'put', a: { id: ID, token, v, sig: Buffer.alloc(64), seq: 1 } },
    'put with salt and sig but no k': { q: 'put', a: { id: ID, token, v, salt: Buffer.from('s'), sig: Buffer.alloc(64), seq: 1 } },
    'get with a numeric target': { q: 'get', a: { id: ID, target: 5 } },
    'find_node with a numeric target': { q: 'find_node', a: { id: ID, target: 5 } },
    'get_peers with a numeric info_hash': { q: 'get_peers', a: { id: ID, info_hash: 5 } },
    'announce_peer with a numeric token': { q: 'announce_peer', a: { id: ID, info_hash: Buffer.alloc(20), token: 5, port: 1 } }
  }
  return Object.fromEntries(Object.entries(queries).map(([name, query]) => [name, bencode.encode({ t: T, y: 'q', ...query })]))
}
