import type { Torrent } from 'webtorrent'

/**
 * Starts fetching what the swarm does not serve from a model's origin (the manifest's `source`),
 * counting the bytes it brings; returns a function that stops it.
 */
export type OriginStarter = (torrent: Torrent, source: { url: string, commit?: string }, onBytes: (bytes: number) => void) => () => void
