import type { Torrent } from 'webtorrent'
import { SilmarilError } from '../errors.js'
import { logger } from '../log.js'
import { MANIFEST_FILE } from '../share/manifest.js'
import { OriginFallback } from './origin-fallback.js'
import { originFileUrl } from './origin-url.js'

const log = logger('get:origin')

export interface OriginRequest {
  source: { url: string, commit?: string }
  /** The manifest, fetched from peers: the origin (the upstream repository) does not hold it. */
  manifest: Uint8Array
  onBytes: (bytes: number) => void
  onError: (err: SilmarilError) => void
}

/**
 * Starts fetching what the swarm does not serve from a model's origin (the manifest's `source`),
 * counting the bytes it brings; returns a function that stops it.
 */
export type OriginStarter = (torrent: Torrent, request: OriginRequest) => () => void

/** The origin fallback armed after `stallSeconds` without a piece; 0 turns it off. */
export function originStarter (stallSeconds: number): OriginStarter {
  return (torrent, request) => {
    if (stallSeconds <= 0) return () => {}
    let fileUrl: (path: string) => string
    try {
      fileUrl = originFileUrl(request.source)
    } catch (err) {
      log('no HTTP origin for %s: %s', torrent.infoHash, (err as Error).message)
      return () => {}
    }
    const fallback = new OriginFallback(torrent, {
      fileUrl,
      url: request.source.url,
      stallMs: stallSeconds * 1000,
      knownFiles: new Map([[MANIFEST_FILE, request.manifest]]),
      onBytes: request.onBytes,
      onError: request.onError
    })
    fallback.start()
    return () => { fallback.stop() }
  }
}
