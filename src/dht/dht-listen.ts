import type { EventEmitter } from 'node:events'
import { SilmarilError } from '../errors.js'

export interface DhtListenSources {
  /** Emits `listening` (and `error`): the DHT itself, or a torrent client around it. */
  listening: EventEmitter
  /** The DHT: k-rpc-socket reports most bind failures (EADDRNOTAVAIL, EINVAL) as `warning`s. */
  warnings: EventEmitter
}

/**
 * Resolves once the DHT's socket is bound; a bind failure rejects with a `network` error that
 * names the address and, for the common causes, what to do. `listen` starts the binding, unless
 * something else already did.
 */
export async function whenDhtListening (sources: DhtListenSources, address: string, listen?: () => void): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onListening = (): void => { done(); resolve() }
    const onError = (err: NodeJS.ErrnoException): void => {
      if (err.syscall !== 'bind' && err.syscall !== 'listen' && err.code !== 'EADDRINUSE' && err.code !== 'EACCES') return
      done()
      const hint = err.code === 'EADDRINUSE' ? ' (is another node running on this port?)' : err.code === 'EACCES' ? ' (ports below 1024 need privileges)' : ''
      reject(new SilmarilError('network', `cannot listen for DHT traffic on ${address}: ${err.message}${hint}`, { cause: err }))
    }
    const done = (): void => {
      sources.listening.removeListener('listening', onListening)
      sources.listening.removeListener('error', onError)
      sources.warnings.removeListener('warning', onError)
    }
    sources.listening.on('listening', onListening)
    sources.listening.on('error', onError)
    sources.warnings.on('warning', onError)
    listen?.()
  })
}
