import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import type { DiscoveredModel, LocalModel, ServerEvent, ShareResult, TransferState } from '../../src/api/types.js'
import { choosePieceLength } from '../../src/share/torrent/piece-length.js'
import { EventStream } from '../../src/cli/event-stream.js'
import { findLibtorrent } from '../../test/helpers/libtorrent.js'
import { writeSafetensors } from '../../test/helpers/model-fixtures.js'
import { createDaemonHome, SILMARIL_BIN, startBootstrapProcess, type BootstrapProcess, type DaemonHome } from '../lib/loopback.js'
import type { BenchReport } from './report.js'
import { cpuSeconds, mainThreadCpuSeconds, procStatusKb } from '../lib/proc-stats.js'
import { median } from '../lib/stats.js'

/**
 * `make bench get`: a 1 GiB model from daemon A to a downloading daemon on a loopback testnet (a
 * bootstrap process, A, and one downloader per round), end to end as a user runs it (`discover
 * --refresh` until the model shows, then `get <name>`), with the peak RSS of both daemons; next to
 * two libtorrent sessions moving the same folder over loopback TCP. Both run ROUNDS times,
 * alternating which goes first, each round with a downloader that holds nothing yet, and the
 * medians are reported: on a shared machine one run of each can land in different weather. A
 * downloader pauses its new seed once installed and stays up, so the next one has A alone to
 * fetch from and no dead node in its DHT.
 */

const NAME = 'bench/get-1g'
const SHARDS = 4
/** F16 rows of 4096 columns: 4 shards × 256 MiB of tensor data. */
const SHARD_ROWS = 32_768
const ROUNDS = 3
const DISCOVER_TIMEOUT_MS = 60_000
const GET_TIMEOUT_MS = 300_000
const LIBTORRENT_TIMEOUT_S = 300
const RSS_SAMPLE_MS = 100
const RSS_TARGET_MB = 400
const LIBTORRENT_SCRIPT = fileURLToPath(new URL('../../../scripts/bench/get-libtorrent.py', import.meta.url))

/** One downloader's get, from the moment it starts `discover --refresh`. */
interface Round {
  discoverSeconds: number
  endToEndSeconds: number
  transferSeconds: number | null
  downloadSeconds: number | null
  phases: string
  /** Peak RSS during the round, and the lifetime VmHWM at its end, in MB. */
  rssA: number
  rssB: number
  hwmB: number
  /** CPU seconds of each daemon over the round: all threads, then the main (JavaScript) thread. */
  cpu: { a: number, b: number, mainA: number, mainB: number }
}

export async function run (report: BenchReport): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'silmaril-bench-get-'))
  const homes: DaemonHome[] = []
  let bootstrap: BootstrapProcess | undefined
  try {
    const folder = join(root, 'get-1g')
    const size = await writeModel(folder)
    const pieceLength = choosePieceLength(size)
    const lt = findLibtorrent()

    bootstrap = await startBootstrapProcess(join(root, 'bootstrap'))
    const address = bootstrap.address
    const a = await createDaemonHome('a', root, [address])
    const downloaders = await Promise.all(Array.from({ length: ROUNDS }, async (_, i) => await createDaemonHome(`b${i}`, root, [address])))
    homes.push(a, ...downloaders)
    // Every downloader is up (idle until its round) while A shares, so A publishes into a DHT of
    // more than the bootstrap node and no node joins or leaves during the rounds.
    await Promise.all(homes.map(async h => await h.run(['daemon', 'start'])))
    const shareStarted = performance.now()
    const shared = JSON.parse(await a.run(['share', folder, '--name', NAME, '--license', 'mit', '--json'])) as ShareResult
    const shareSeconds = (performance.now() - shareStarted) / 1000
    const pidA = await daemonPid(a)
    const rssBefore = Math.round(await procStatusKb(pidA, 'VmRSS') / 1024)

    const rounds: Round[] = []
    const libtorrentRuns: LibtorrentResult[] = []
    for (let i = 0; i < ROUNDS; i++) {
      const silmarilRound = async (): Promise<void> => { rounds.push(await getRound(downloaders[i]!, pidA, shared)) }
      const libtorrentRound = async (): Promise<void> => {
        if ('missing' in lt) return
        libtorrentRuns.push(await runLibtorrent(lt.python, folder, pieceLength, join(root, 'libtorrent-out')))
      }
      // Alternating which goes first, so a machine speeding up or slowing down favours neither.
      for (const step of i % 2 === 0 ? [libtorrentRound, silmarilRound] : [silmarilRound, libtorrentRound]) await step()
    }

    const mbs = (seconds: number | null): number | null => seconds === null ? null : Math.round(size / 1e6 / seconds)
    const libtorrentSeconds = medianOf(libtorrentRuns.map(r => r.seconds))
    const targetMbs = mbs(libtorrentSeconds)
    const rssA = Math.max(...rounds.map(r => r.rssA))
    const rssB = Math.max(...rounds.map(r => r.rssB))
    const row = (caseName: string, seconds: number | null, extra: Record<string, number | string | null> = {}): void => {
      report.rows.push({ case: caseName, implementation: 'silmaril daemons', seconds: seconds === null ? null : Number(seconds.toFixed(2)), mb_s: mbs(seconds), target_mb_s: targetMbs, ...extra })
    }
    const rssColumns = { rss_a_mb: rssA, rss_b_mb: rssB, target_rss_mb: RSS_TARGET_MB }
    row('discover --refresh → get → installed', medianOf(rounds.map(r => r.endToEndSeconds)), rssColumns)
    row('transfer start → installed', medianOf(rounds.map(r => r.transferSeconds)), rssColumns)
    row('downloading phase only', medianOf(rounds.map(r => r.downloadSeconds)))
    if ('missing' in lt) {
      report.rows.push({ case: 'transfer start → finished', implementation: 'libtorrent (not installed)', seconds: null, mb_s: null, target_mb_s: null })
      report.notes.push(`libtorrent row skipped: ${lt.missing}`)
    } else {
      report.rows.push({ case: 'transfer start → finished', implementation: `libtorrent ${lt.version}`, seconds: libtorrentSeconds === null ? null : Number(libtorrentSeconds.toFixed(2)), mb_s: targetMbs, target_mb_s: null })
      report.notes.push('libtorrent: two sessions in one python process, TCP only, default settings, connected directly; timed from connect_peer to torrent_finished_alert')
      report.notes.push('right before connecting, the libtorrent script writes and deletes a scratch file the size of the model, so that libtorrent\'s writes (through mapped files into the page cache) land in recently freed pages: on a VM a fresh page the host has reclaimed costs a fault in the host (here ~2.9 s of system time per GiB); silmaril writes pieces with O_DIRECT and needs no such help')
      report.notes.push(`libtorrent CPU during the transfer: ${libtorrentRuns.map(r => `${r.cpu_seconds.toFixed(1)} s over ${r.seconds.toFixed(1)} s`).join(', ')} (both sessions)`)
      report.notes.push(`libtorrent process peak RSS ${Math.round(Math.max(...libtorrentRuns.map(r => r.max_rss_kb)) / 1024)} MB: both sessions, and libtorrent 2 maps the files, so the page cache of both copies counts`)
    }

    const seconds = (value: number | null): string => value === null ? '-' : value.toFixed(2)
    report.notes.push(`${ROUNDS} rounds, medians above; transfer start → installed (silmaril) against libtorrent, s: ${rounds.map((r, i) => `${seconds(r.transferSeconds)} / ${seconds(libtorrentRuns[i]?.seconds ?? null)}`).join(', ')}`)
    report.notes.push(`model: ${SHARDS} safetensors shards of random F16 + config.json + tokenizer.json + index, ${size} bytes; piece length ${pieceLength}; A hashed and shared it in ${shareSeconds.toFixed(1)} s (not timed above)`)
    report.notes.push(`each round a daemon B that holds nothing yet gets the model from A; discover --refresh until found: ${rounds.map(r => r.discoverSeconds.toFixed(2)).join(', ')} s of the end to end; transfer phases on B in the last round (SSE, ms after the transfer appeared): ${rounds.at(-1)?.phases ?? '-'}`)
    report.notes.push(`daemon CPU during discover+get, per round: ${rounds.map(r => `A ${r.cpu.a.toFixed(1)} s, B ${r.cpu.b.toFixed(1)} s (main threads ${r.cpu.mainA.toFixed(1)}, ${r.cpu.mainB.toFixed(1)}) over ${r.endToEndSeconds.toFixed(1)} s`).join('; ')}`)
    report.notes.push(`peak RSS sampled every ${RSS_SAMPLE_MS} ms during discover+get: A ${rssA} MB, B ${rssB} MB (target < ${RSS_TARGET_MB}), A from ${rssBefore} MB after sharing; lifetime VmHWM: A ${await vmHwmMb(pidA)} MB (includes hashing at share), B ${Math.max(...rounds.map(r => r.hwmB))} MB`)
    const model = cpus()[0]?.model.trim() ?? 'unknown CPU'
    report.notes.push(`${availableParallelism()} CPUs (${model}); load average ${loadavg()[0]!.toFixed(2)} at the end; MB = 10^6 bytes; target: silmaril ≥ libtorrent MB/s, RSS < ${RSS_TARGET_MB} MB`)
  } finally {
    await Promise.all(homes.map(async h => await stopDaemon(h)))
    await bootstrap?.stop()
    await rm(root, { recursive: true, force: true })
  }
}

/** Daemon `b`, which holds nothing yet, discovers and gets the model A shares, then pauses its seed. */
async function getRound (b: DaemonHome, pidA: number, shared: ShareResult): Promise<Round> {
  const pidB = await daemonPid(b)
  try {
    const watch = await watchTransfer(b, shared.infohash)
    const rss = sampleRss([pidA, pidB])
    const cpuBefore = await Promise.all([cpuSeconds(pidA), cpuSeconds(pidB), mainThreadCpuSeconds(pidA), mainThreadCpuSeconds(pidB)])
    let installed: LocalModel
    let discoverSeconds: number
    let endToEndSeconds: number
    try {
      const started = performance.now()
      await discoverUntilFound(b, shared.infohash)
      discoverSeconds = (performance.now() - started) / 1000
      installed = JSON.parse(await cli(b, ['get', NAME, '--json'], GET_TIMEOUT_MS)) as LocalModel
      endToEndSeconds = (performance.now() - started) / 1000
    } finally {
      rss.stop()
      watch.stop()
    }
    const [cpuA, cpuB, mainA, mainB] = (await Promise.all([cpuSeconds(pidA), cpuSeconds(pidB), mainThreadCpuSeconds(pidA), mainThreadCpuSeconds(pidB)]))
      .map((after, i) => after - cpuBefore[i]!) as [number, number, number, number]
    if (installed.infohash !== shared.infohash || installed.size !== shared.size) throw new Error(`${b.home} installed ${installed.infohash} (${installed.size} bytes), A shared ${shared.infohash} (${shared.size} bytes)`)
    const { phases } = watch
    const [rssA = 0, rssB = 0] = rss.peaksMb
    return {
      discoverSeconds,
      endToEndSeconds,
      transferSeconds: phases.installed !== undefined && phases.first !== undefined ? (phases.installed - phases.first) / 1000 : null,
      downloadSeconds: phases.downloading !== undefined && phases.downloaded !== undefined ? (phases.downloaded - phases.downloading) / 1000 : null,
      phases: watch.describe(),
      rssA,
      rssB,
      hwmB: await vmHwmMb(pidB),
      cpu: { a: cpuA, b: cpuB, mainA, mainB }
    }
  } finally {
    await b.run(['transfers', 'pause', shared.infohash]).catch(() => '')
  }
}

/** The median of the values measured; null when none was. */
function medianOf (values: Array<number | null>): number | null {
  const known = values.filter((v): v is number => v !== null)
  return known.length === 0 ? null : median(known)
}

/** Four random safetensors shards (1 GiB of tensor data), their index, config.json and tokenizer.json; returns the bytes. */
async function writeModel (dir: string): Promise<number> {
  await mkdir(dir, { recursive: true })
  let size = 0
  const weightMap: Record<string, string> = {}
  for (let i = 1; i <= SHARDS; i++) {
    const file = `model-0000${i}-of-0000${SHARDS}.safetensors`
    const tensor = `model.layers.${i - 1}.mlp.weight`
    weightMap[tensor] = file
    size += (await writeSafetensors(join(dir, file), [{ name: tensor, dtype: 'F16', shape: [SHARD_ROWS, 4096] }], { format: 'pt' }, { fill: 'random', seed: i })).size
  }
  const small: Record<string, string> = {
    'model.safetensors.index.json': JSON.stringify({ metadata: { total_size: SHARDS * SHARD_ROWS * 4096 * 2 }, weight_map: weightMap }, null, 2),
    'config.json': `${JSON.stringify({ model_type: 'llama', architectures: ['LlamaForCausalLM'], hidden_size: 4096, num_hidden_layers: SHARDS }, null, 2)}\n`,
    'tokenizer.json': JSON.stringify({ version: '1.0', model: { type: 'BPE', vocab: Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`tok${i}`, i])) } })
  }
  for (const [file, text] of Object.entries(small)) {
    await writeFile(join(dir, file), text)
    size += Buffer.byteLength(text)
  }
  return size
}

interface LibtorrentResult { seconds: number, bytes: number, downloaded: number, cpu_seconds: number, max_rss_kb: number }

async function runLibtorrent (python: string, folder: string, pieceLength: number, out: string): Promise<LibtorrentResult> {
  await mkdir(out, { recursive: true })
  try {
    return JSON.parse(await spawnText(python, [LIBTORRENT_SCRIPT, folder, String(pieceLength), out, String(LIBTORRENT_TIMEOUT_S)], {}, (LIBTORRENT_TIMEOUT_S + 60) * 1000)) as LibtorrentResult
  } finally {
    await rm(out, { recursive: true, force: true })
  }
}

async function discoverUntilFound (home: DaemonHome, infohash: string): Promise<void> {
  const deadline = performance.now() + DISCOVER_TIMEOUT_MS
  for (;;) {
    const found = JSON.parse(await cli(home, ['discover', '--refresh', '--json'], DISCOVER_TIMEOUT_MS)) as DiscoveredModel[]
    if (found.some(m => m.infohash === infohash)) return
    if (performance.now() > deadline) throw new Error(`B did not discover ${NAME} within ${DISCOVER_TIMEOUT_MS} ms`)
    await new Promise(resolve => setTimeout(resolve, 200))
  }
}

/** Runs the silmaril CLI against a home with its own time limit (loopback's `run` caps at 120 s). */
async function cli (home: DaemonHome, args: string[], timeoutMs: number): Promise<string> {
  return await spawnText(process.execPath, [SILMARIL_BIN, ...args], home.env, timeoutMs)
}

async function spawnText (command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return await new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000) })
    const timer = setTimeout(() => { child.kill('SIGKILL') }, timeoutMs)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve(stdout)
      else reject(new Error(`${command} ${args.slice(0, 3).join(' ')} exited ${String(code ?? signal)}${signal === 'SIGKILL' ? ` (over ${timeoutMs} ms)` : ''}: ${stderr}`))
    })
  })
}

interface Phases {
  /** performance.now() when the transfer first showed on the event stream. */
  first?: number
  downloading?: number
  /** When it left `downloading` for verifying or installing. */
  downloaded?: number
  installed?: number
}

/** Follows one transfer on B's event stream, noting when it changes state. */
async function watchTransfer (home: DaemonHome, id: string): Promise<{ phases: Phases, describe: () => string, stop: () => void }> {
  const client = await home.client()
  const phases: Phases = {}
  const states: Array<{ state: TransferState, at: number }> = []
  const stream = new EventStream({ locator: async () => ({ url: client.url, token: client.token }) })
  const saw = (state: TransferState): void => {
    const at = performance.now()
    phases.first ??= at
    if (states.at(-1)?.state !== state) states.push({ state, at })
    if (state === 'downloading') phases.downloading ??= at
    if ((state === 'verifying' || state === 'installing') && phases.downloading !== undefined) phases.downloaded ??= at
    if (state === 'seeding') phases.installed ??= at
  }
  stream.onEvent((event: ServerEvent) => {
    if (event.type === 'transfer' && event.transfer.id === id) saw(event.transfer.state)
    else if (event.type === 'transfer-state' && event.id === id) saw(event.state)
  })
  stream.start()
  const describe = (): string => states.map(s => `${s.state} +${Math.round(s.at - (phases.first ?? s.at))}`).join(', ')
  return { phases, describe, stop: () => { stream.stop() } }
}

async function daemonPid (home: DaemonHome): Promise<number> {
  return (JSON.parse(await readFile(join(home.home, 'daemon.json'), 'utf8')) as { pid: number }).pid
}

async function vmHwmMb (pid: number): Promise<number> {
  return Math.round(await procStatusKb(pid, 'VmHWM') / 1024)
}

/** Polls VmRSS of the processes until `stop()`; peaks in MB. */
function sampleRss (pids: number[]): { peaksMb: number[], stop: () => void } {
  const peaksKb = pids.map(() => 0)
  const timer = setInterval(() => {
    pids.forEach((pid, i) => {
      procStatusKb(pid, 'VmRSS').then(kb => { if (kb > peaksKb[i]!) peaksKb[i] = kb }, () => {})
    })
  }, RSS_SAMPLE_MS)
  return {
    get peaksMb () { return peaksKb.map(kb => Math.round(kb / 1024)) },
    stop: () => { clearInterval(timer) }
  }
}

async function stopDaemon (home: DaemonHome): Promise<void> {
  const pid = await daemonPid(home).catch(() => undefined)
  await home.run(['daemon', 'stop']).catch(() => '')
  if (pid === undefined) return
  try {
    process.kill(pid, 0)
    process.kill(pid, 'SIGKILL')
  } catch {}
}
