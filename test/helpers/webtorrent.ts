import { once } from 'node:events'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import WebTorrent, { type Torrent } from 'webtorrent'
import type { Teardown } from './teardown.js'
import { withTimeout } from './wait.js'

/** A webtorrent client that talks to no one unless a test connects it: no DHT, trackers, LSD, NAT or uTP. */
export const OFFLINE_CLIENT_OPTIONS = { dht: false, tracker: false, lsd: false, natUpnp: false, natPmp: false, utp: false } as const

/** An offline client destroyed when the test's teardown runs. */
export function offlineClient (stack: Teardown): WebTorrent {
  const wt = new WebTorrent(OFFLINE_CLIENT_OPTIONS)
  stack.push(async () => { await new Promise<void>(resolve => { wt.destroy(() => { resolve() }) }) })
  return wt
}

export async function torrentReady (torrent: Torrent, waitMs: number): Promise<void> {
  if (!torrent.ready) await withTimeout(once(torrent, 'ready'), waitMs, 'the torrent to be ready')
}

/** Every file under `dir` (relative, sorted); none when `dir` does not exist. */
export async function listFiles (dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])
  return entries.filter(entry => !entry.isDirectory()).map(entry => join(entry.parentPath, entry.name).slice(dir.length + 1)).sort()
}
