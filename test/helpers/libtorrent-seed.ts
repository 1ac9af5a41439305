import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/** The python3 on PATH may be a build without libtorrent; Debian's python3-libtorrent lives here. */
export const SYSTEM_PYTHON = '/usr/bin/python3'
const SCRIPT = fileURLToPath(new URL('../../../test/helpers/libtorrent/seed.py', import.meta.url))
const STOP_GRACE_MS = 5_000
const STDERR_TAIL_CHARS = 4_000

/** Why libtorrent cannot be used here, or undefined when it can. */
export function libtorrentMissing (): string | undefined {
  const result = spawnSync(SYSTEM_PYTHON, ['-c', 'import libtorrent'], { encoding: 'utf8' })
  if (result.error !== undefined) return `${SYSTEM_PYTHON}: ${result.error.message}`
  if (result.status !== 0) return result.stderr.trim().split('\n').pop() ?? `exit ${String(result.status)}`
  return undefined
}

interface Started {
  child: ChildProcess
  event: Record<string, unknown>
}

/** Runs seed.py until it prints `event`; rejects with its stderr when it exits first or takes too long. */
async function runUntil (args: string[], event: string, timeoutMs: number): Promise<Started> {
  const child = spawn(SYSTEM_PYTHON, [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-STDERR_TAIL_CHARS) })
  const lines = createInterface({ input: child.stdout! })
  try {
    const found = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`libtorrent ${args[0]} printed no ${event} within ${timeoutMs} ms:\n${stderr}`)) }, timeoutMs)
      child.once('error', err => { clearTimeout(timer); reject(err) })
      // 'close' comes after the last stdout line and all of stderr, unlike 'exit'.
      child.once('close', code => { clearTimeout(timer); reject(new Error(`libtorrent ${args[0]} exited (${String(code)}) before ${event}:\n${stderr}`)) })
      lines.on('line', line => {
        const message = JSON.parse(line) as Record<string, unknown>
        if (message['event'] === event) { clearTimeout(timer); resolve(message) }
      })
    })
    return { child, event: found }
  } catch (err) {
    await stop(child)
    throw err
  }
}

async function stop (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>(resolve => { child.once('exit', () => { resolve() }) })
  child.kill('SIGTERM')
  const timer = setTimeout(() => { child.kill('SIGKILL') }, STOP_GRACE_MS)
  await exited
  clearTimeout(timer)
}

export interface CreatedTorrent {
  /** Hex infohashes: SHA-1 of the info dict, and SHA-256 for v2. */
  v1: string
  v2: string
  /** How many BEP 47 pad files the v1 file list holds. */
  pads: number
}

/** Has libtorrent write a v1+v2 hybrid torrent (its default) of `folder` to `out`. */
export async function createHybridTorrent (folder: string, out: string, pieceLength: number, timeoutMs = 30_000): Promise<CreatedTorrent> {
  const { child, event } = await runUntil(['create', folder, out, String(pieceLength)], 'created', timeoutMs)
  await stop(child)
  return { v1: String(event['v1']), v2: String(event['v2']), pads: Number(event['pads']) }
}

export interface LibtorrentSeed {
  /** The 127.0.0.1 port it listens on. */
  port: number
  stop (): Promise<void>
}

/** Starts libtorrent seeding `torrent` from `savePath` on 127.0.0.1, after it has checked the data. */
export async function startLibtorrentSeed (torrent: string, savePath: string, timeoutMs = 30_000): Promise<LibtorrentSeed> {
  const { child, event } = await runUntil(['seed', torrent, savePath], 'seeding', timeoutMs)
  return { port: Number(event['port']), stop: async () => { await stop(child) } }
}

/**
 * Has libtorrent download `torrent` into `savePath` from the one peer at `peer` (host:port),
 * checking every piece against both its v1 and v2 hashes; resolves to the payload bytes it got.
 */
export async function libtorrentFetch (torrent: string, savePath: string, peer: string, timeoutMs: number): Promise<number> {
  const seconds = Math.max(1, Math.floor(timeoutMs / 1000) - 2)
  const { child, event } = await runUntil(['fetch', torrent, savePath, peer, String(seconds)], 'done', timeoutMs)
  await stop(child)
  return Number(event['downloaded'])
}
