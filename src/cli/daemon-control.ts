import { spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { isProcessAlive, liveDaemonInfo, livePidFromFile, type DaemonInfo } from '../daemon-files.js'
import { SilmarilError } from '../errors.js'
import { dataLayout } from '../paths.js'
import type { CliContext } from './context.js'

const START_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 20_000
const POLL_INTERVAL_MS = 100
const DAEMON_MAIN = fileURLToPath(new URL('../daemon/main.js', import.meta.url))

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/**
 * V8 flags of the daemon process.
 * - Single-threaded GC: a transfer allocates a buffer for every block, and on a 2-core machine
 *   V8's parallel GC helpers took a core's worth of CPU from the transfer itself (`make bench
 *   get`: ~1 s less CPU per daemon per GiB and ~10% faster).
 * - A 128 MB floor under the old generation's limit: with ~20 MB live, V8 put the limit ~24 MB
 *   above it, less than the young generation may promote at once, so it started a full
 *   mark-compact every ~25 MB a transfer moved (27–45 per GiB per daemon, reason "allocation
 *   limit" or "task" in `--trace-incremental-marking`), each ~40 ms of marking on the main
 *   thread. With the floor: ~1 s less main-thread CPU per daemon per GiB. 256 MB saved no more
 *   CPU and let a downloader's peak RSS reach 400 MB.
 * SILMARIL_DAEMON_NODE_ARGS adds more, e.g. `--cpu-prof`, which NODE_OPTIONS refuses.
 */
function daemonNodeFlags (env: NodeJS.ProcessEnv): string[] {
  const extra = env['SILMARIL_DAEMON_NODE_ARGS']?.split(' ').filter(arg => arg !== '') ?? []
  return ['--single-threaded-gc', '--initial-old-space-size=128', ...extra]
}

/** Starts the daemon in the background and returns once its API answers. */
export async function startDaemon (ctx: CliContext, { quiet = false } = {}): Promise<DaemonInfo> {
  const { dataDir } = await ctx.config()
  const layout = dataLayout(dataDir)
  const running = await liveDaemonInfo(layout.daemonInfo)
  if (running !== undefined) {
    throw new SilmarilError('already_running', `a daemon is already running for ${dataDir} (pid ${running.pid}, ${running.url})`, { details: { ...running } })
  }
  await mkdir(layout.root, { recursive: true, mode: 0o700 })
  const logFd = openSync(layout.logFile, 'a', 0o600)
  const args = [...daemonNodeFlags(ctx.env), DAEMON_MAIN, '--home', dataDir]
  if (ctx.args.config !== undefined) args.push('--config', ctx.args.config)
  if (Object.keys(ctx.overrides).length > 0) args.push('--overrides', JSON.stringify(ctx.overrides))
  const logStart = (await readFile(layout.logFile, 'utf8').catch(() => '')).length
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', logFd, logFd], env: ctx.env })
  closeSync(logFd)
  let exited: number | null | undefined
  child.once('exit', code => { exited = code })
  child.unref()

  const deadline = Date.now() + START_TIMEOUT_MS
  while (Date.now() < deadline) {
    await sleep(POLL_INTERVAL_MS)
    if (exited !== undefined) {
      const fatal = await lastFatal(layout.logFile, logStart)
      const code = fatal?.code ?? 'daemon_start_failed'
      throw new SilmarilError(code, fatal?.message ?? `the daemon exited during start-up (exit code ${String(exited)}); see ${layout.logFile}`)
    }
    const info = await liveDaemonInfo(layout.daemonInfo)
    if (info !== undefined && info.pid === child.pid && await (await ctx.client()).healthy()) {
      if (!quiet) ctx.out.info(`daemon started (pid ${info.pid}) at ${info.url}`)
      return info
    }
  }
  child.kill('SIGTERM')
  throw new SilmarilError('daemon_start_failed', `the daemon did not answer within ${START_TIMEOUT_MS / 1000} s; see ${layout.logFile}`)
}

async function lastFatal (logFile: string, from: number): Promise<{ code: SilmarilError['code'], message: string } | undefined> {
  const text = (await readFile(logFile, 'utf8').catch(() => '')).slice(from)
  for (const line of text.split('\n').reverse()) {
    try {
      const entry = JSON.parse(line) as { event?: string, code?: SilmarilError['code'], message?: string }
      if (entry.event === 'fatal' && entry.code !== undefined && entry.message !== undefined) return { code: entry.code, message: entry.message }
    } catch {}
  }
  return undefined
}

/** Stops the daemon: asks the API, falls back to SIGTERM, and waits for the process to end. */
export async function stopDaemon (ctx: CliContext): Promise<{ pid: number } | undefined> {
  const { dataDir } = await ctx.config()
  const layout = dataLayout(dataDir)
  const info = await liveDaemonInfo(layout.daemonInfo)
  const pid = info?.pid ?? await livePidFromFile(layout.pidFile, layout.daemonInfo)
  if (pid === undefined) return undefined
  try {
    await (await ctx.client()).post('/api/v1/admin/shutdown')
  } catch {
    process.kill(pid, 'SIGTERM')
  }
  const deadline = Date.now() + STOP_TIMEOUT_MS
  while (isProcessAlive(pid)) {
    if (Date.now() > deadline) {
      throw new SilmarilError('io', `the daemon (pid ${pid}) did not stop within ${STOP_TIMEOUT_MS / 1000} s; see ${layout.logFile}`)
    }
    await sleep(POLL_INTERVAL_MS)
  }
  return { pid }
}
