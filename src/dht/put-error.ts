import type { DHTError } from 'bittorrent-dht'
import { SilmarilError } from '../errors.js'
import { KRPC_ERRORS } from './bep44.js'

/**
 * Turns what bittorrent-dht hands a put callback into a SilmarilError. It reports an error only
 * when no node accepted the item: then the last 3xx reply if any, else a bare message.
 */
export function putError (err: DHTError, target: string): SilmarilError {
  const krpcCode = typeof err.code === 'number' ? err.code : undefined
  const details = { target, krpcCode }
  switch (krpcCode) {
    case KRPC_ERRORS.CAS_MISMATCH:
      return new SilmarilError('conflict',
        'the DHT item changed since it was read (BEP 44 error 301, cas mismatch); read it again, merge, and put with the new seq as cas',
        { cause: err, details })
    case KRPC_ERRORS.SEQ_TOO_LOW:
      return new SilmarilError('conflict',
        'the DHT nodes hold this item with the same or a higher seq (BEP 44 error 302); put with a higher seq',
        { cause: err, details })
    case undefined:
      break
    default:
      return new SilmarilError('network', `DHT nodes refused the item: ${err.message}`, { cause: err, details })
  }
  if (err.message === 'No nodes to query') {
    return new SilmarilError('network', 'no DHT nodes to store the item on; the node has not joined the network', { cause: err, details })
  }
  return new SilmarilError('network', `no DHT node stored the item (${err.message})`, { cause: err, details })
}
