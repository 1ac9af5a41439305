import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { DiscoveredModel, ShareResult } from '../../src/api/types.js'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { createDaemonHome, startBootstrapProcess, stopChild, type DaemonHome } from '../lib/loopback.js'
import type { BenchReport } from './report.js'
import { writeBenchModel } from './bench-model.js'
import { median } from '../lib/stats.js'

/**
 * Cold and warm `silmaril discover` as whole CLI processes on a 50-node loopback testnet: a
 * bootstrap process, bare DHT nodes in a process of their own, a daemon that shares a model, and fresh
 * daemons that have never seen the catalog. Cold: the first `discover` against a daemon started
 * moments before (nothing cached; the answer waits for its first network round). Warm: the same
 * command again, answered from the cache.
 */

const DHT_NODES = 46
const COLD_RUNS = 3
const WARM_RUNS = 15
const COLD_TARGET_MS = 1000
const WARM_TARGET_MS = 150

async function timed (home: DaemonHome, args: string[]): Promise<{ ms: number, out: string }> {
  const started = performance.now()
  const out = await home.run(args)
  return { ms: performance.now() - started, out }
}

const DHT_SWARM = fileURLToPath(new URL('./dht-swarm.js', import.meta.url))

/** The DHT nodes run in their own process: in this one they would delay every timing taken here. */
async function startDhtSwarm (bootstrap: string, count: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [DHT_SWARM, bootstrap, String(count)], { stdio: ['pipe', 'pipe', 'inherit'] })
  const [line] = await Promise.race([
    once(child.stdout!, 'data') as Promise<[Buffer]>,
    once(child, 'exit').then(([code]) => { throw new Error(`the DHT nodes exited (${String(code)}) before joining`) })
  ])
  if (!line.toString().startsWith('ready')) throw new Error(`the DHT nodes said ${line.toString()}`)
  return child
}


export async function run (report: BenchReport): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'silmaril-bench-discover-'))
  const homes: DaemonHome[] = []
  const bootstrap = await startBootstrapProcess(join(root, 'bootstrap'))
  let swarm: ChildProcess | undefined
  try {
    swarm = await startDhtSwarm(bootstrap.address, DHT_NODES)
    const publisher = await createDaemonHome('publisher', root, [bootstrap.address])
    homes.push(publisher)
    await publisher.run(['daemon', 'start'])
    const folder = join(root, 'bench-llama')
    await writeBenchModel(folder)
    const shared = JSON.parse(await publisher.run(['share', folder, '--name', 'bench/llama-tiny', '--license', 'mit', '--json'])) as ShareResult

    const node = async (): Promise<number> => (await timed(publisher, ['--version'])).ms
    const nodeStartup = median([await node(), await node(), await node()])

    const cold: number[] = []
    let warmHome: DaemonHome | undefined
    for (let i = 0; i < COLD_RUNS; i++) {
      const fresh = await createDaemonHome(`fresh${i}`, root, [bootstrap.address])
      homes.push(fresh)
      await fresh.run(['daemon', 'start'])
      const { ms, out } = await timed(fresh, ['discover', 'llama', '--json'])
      const found = JSON.parse(out) as DiscoveredModel[]
      if (found[0]?.infohash !== shared.infohash) throw new Error(`a cold discover did not find the shared model (got ${out.slice(0, 200)})`)
      cold.push(ms)
      warmHome = fresh
    }
    const warm: number[] = []
    for (let i = 0; i < WARM_RUNS; i++) warm.push((await timed(warmHome!, ['discover', 'llama', '--json'])).ms)

    report.rows.push(
      { case: 'cold discover, 50-node testnet', implementation: 'silmaril CLI', median_ms: Math.round(median(cold)), min_ms: Math.round(Math.min(...cold)), max_ms: Math.round(Math.max(...cold)), target_ms: COLD_TARGET_MS, runs: COLD_RUNS },
      { case: 'warm discover (cached)', implementation: 'silmaril CLI', median_ms: Math.round(median(warm)), min_ms: Math.round(Math.min(...warm)), max_ms: Math.round(Math.max(...warm)), target_ms: WARM_TARGET_MS, runs: WARM_RUNS },
      { case: 'silmaril --version (process floor)', implementation: 'silmaril CLI', median_ms: Math.round(nodeStartup), min_ms: null, max_ms: null, target_ms: null, runs: 3 }
    )
    report.notes.push(`testnet: 1 bootstrap process, ${DHT_NODES} DHT nodes in a child process, 1 publishing daemon, ${COLD_RUNS} fresh daemons (each measured once, cold)`)
    report.notes.push('cold = the first `silmaril discover llama --json` against a daemon started just before: it waits for the daemon\'s first refresh (slot reads, catalog torrent fetch, merge)')
  } finally {
    await Promise.all(homes.map(async h => { await h.run(['daemon', 'stop']).catch(() => '') }))
    if (swarm !== undefined) await stopChild(swarm)
    await bootstrap.stop()
    await rm(root, { recursive: true, force: true })
  }
}
