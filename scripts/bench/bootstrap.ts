import { spawn, spawnSync } from 'node:child_process'
import { createHash, createPrivateKey, randomBytes, sign as cryptoSign } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'
import { signable } from '../../src/dht/bep44.js'
import { keyPairFromSeed } from '../../src/dht/ed25519.js'
import { startBootstrapProcess, stopChild } from '../lib/loopback.js'
import { createLoadGenerator, template, type LoadGenerator, type StepResult, type Template } from './dht-load.js'
import type { BenchReport } from './report.js'
import { cpuSeconds, rssMb } from '../lib/proc-stats.js'
import { median } from '../lib/stats.js'

/**
 * `silmaril-bootstrap` under load, over loopback UDP, bounded in time: fill its BEP 44 store with
 * 100,000 signed items, then send a mix of get_peers, announce_peer, get and put at a rising rate
 * until it falls behind, then hold the target rate for longer. Reports what it answers per second
 * on its one JS thread, latency percentiles, its CPU and its memory; the verdict comes from the
 * hold, against a bare node:dgram echo held the same way.
 */

const ITEMS = 100_000
const SALTS_PER_KEY = 1000
const FILL_WINDOW = 256
const REPLY_TIMEOUT_MS = 1000
const RATES = [2_000, 5_000, 10_000, 15_000, 20_000, 25_000, 30_000, 40_000]
const STEP_MS = 3000
/** The target rate is held this long: a 3 s step's p99 is 600 replies, and one scheduling hiccup decides it. */
const HOLD_MS = 15_000
const WARM_UP_MS = 3000
/** A step that loses more than this ends the ramp. */
const GIVE_UP_LOSS_PCT = 5
const SUSTAINED_LOSS_PCT = 1
const TARGET_QPS = 20_000
const TARGET_P99_MS = 10
const TARGET_RSS_MB = 300
const POOL = 2000
/** Steps below this rate cost more per query (one datagram per wakeup) and are left out of the loaded capacity. */
const CAPACITY_FROM_QPS = 10_000
/** Out of 10 queries: 4 get_peers, 2 announce_peer, 3 get, 1 put. */
const MIX = ['get_peers', 'get_peers', 'get_peers', 'get_peers', 'announce_peer', 'announce_peer', 'get', 'get', 'get', 'put'] as const

const ID = randomBytes(20)
const PKCS8_SEED_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

const stepCapacity = (answered: number, cpuS: number): number => Math.round(answered / cpuS)

function signedItems (): { puts: Template[], targets: Buffer[] } {
  // One KeyObject per key: src/dht's sign() parses the seed on every call, too slow for 100,000.
  const keys = Array.from({ length: ITEMS / SALTS_PER_KEY }, () => {
    const seed = randomBytes(32)
    const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_SEED_PREFIX, seed]), format: 'der', type: 'pkcs8' })
    return { publicKey: keyPairFromSeed(seed).publicKey, privateKey }
  })
  const puts: Template[] = []
  const targets: Buffer[] = []
  for (let i = 0; i < ITEMS; i++) {
    const key = keys[Math.floor(i / SALTS_PER_KEY)]!
    const salt = Buffer.from(`bench-${i}`)
    const v = { ih: randomBytes(20) }
    const sig = cryptoSign(null, signable({ salt, seq: 1, v }), key.privateKey)
    puts.push(template('put', { id: ID, token: Buffer.alloc(20), k: Buffer.from(key.publicKey), salt, seq: 1, v, sig: Buffer.from(sig) }))
    targets.push(Buffer.concat([Buffer.from(key.publicKey), salt]))
  }
  return { puts, targets }
}

export async function run (report: BenchReport): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'silmaril-bench-bootstrap-'))
  const node = await startBootstrapProcess(join(root, 'node'), {
    args: ['--max-items', String(ITEMS), '--max-items-per-key', String(SALTS_PER_KEY), '--max-items-per-address', String(ITEMS)]
  })
  const pid = node.child.pid!
  const pinned = pinToOneCore(pid)
  const [host, port] = [node.address.split(':')[0]!, Number(node.address.split(':')[1])]
  // Pinned, the generator has a core of its own to spin on; unpinned it would take the node's.
  const load = await createLoadGenerator({ host, port }, pinned === null ? 'timer' : 'spin')
  try {
    const rssIdle = await rssMb(pid)
    const signStarted = performance.now()
    const { puts, targets } = signedItems()
    const signMs = performance.now() - signStarted

    const token = (await load.ask('get_peers', { id: ID, info_hash: randomBytes(20) }))['token'] as Uint8Array
    for (const put of puts) Buffer.from(token).copy(put.bytes, put.bytes.indexOf('5:token20:') + 10)
    const fillStarted = performance.now()
    const cpuBeforeFill = await cpuSeconds(pid)
    const stored = await load.closedLoop(puts, FILL_WINDOW, REPLY_TIMEOUT_MS)
    const fillS = (performance.now() - fillStarted) / 1000
    const fillCpu = await cpuSeconds(pid) - cpuBeforeFill
    const rssFilled = await rssMb(pid)
    report.rows.push({ case: `fill: ${ITEMS} signed puts, ${FILL_WINDOW} in flight`, implementation: 'silmaril-bootstrap', answered_qps: Math.round(stored / fillS), loss_pct: 100 * (ITEMS - stored) / ITEMS, cpu_pct: Math.round(100 * fillCpu / fillS), rss_mb: Math.round(rssFilled) })

    const pool = {
      get_peers: Array.from({ length: POOL }, () => template('get_peers', { id: ID, info_hash: randomBytes(20) })),
      announce_peer: Array.from({ length: POOL }, () => template('announce_peer', { id: ID, info_hash: randomBytes(20), port: 6881, token, implied_port: 0 })),
      get: Array.from({ length: POOL }, (_, i) => template('get', { id: ID, target: createHash('sha1').update(targets[(i * 7919) % ITEMS]!).digest() })),
      // Re-puts of stored items, as republishing sends them: answered 302 from the held item.
      put: Array.from({ length: POOL }, (_, i) => puts[(i * 7919) % ITEMS]!)
    }
    // The generator keeps only the pools: with all 100,000 signed puts held, its own major GCs
    // paused it for 20-35 ms, and its late sends and late reads counted as the node's latency.
    puts.length = 0
    targets.length = 0
    const next = (i: number): Template => {
      const kind = MIX[i % MIX.length]!
      const list = pool[kind]
      return list[Math.floor(i / MIX.length) % list.length]!
    }

    const steps: Array<StepResult & { cpu_pct: number, qps_per_core: number }> = []
    const capacity: number[] = []
    const holdTarget = async (): Promise<MeasuredStep> => await measuredStep(load, pid, TARGET_QPS, HOLD_MS, next)
    let hold: MeasuredStep | undefined
    for (const rate of RATES) {
      // The hold follows the ramp's own step at the target rate, before the steps that overload
      // the node: it measures a node whose load has climbed to the target, not one recovering.
      if (rate > TARGET_QPS && hold === undefined) hold = await holdTarget()
      const { step: result, cpu } = await measuredStep(load, pid, rate, STEP_MS, next)
      const step = { ...result, cpu_pct: Math.round(100 * cpu / (STEP_MS / 1000)), qps_per_core: cpu > 0 ? stepCapacity(result.answered, cpu) : 0 }
      steps.push(step)
      report.rows.push({ case: `mixed load at ${rate} q/s`, implementation: 'silmaril-bootstrap', ...stepRow(result, cpu), rss_mb: Math.round(await rssMb(pid)) })
      capacity.push(step.qps_per_core)
      if (step.loss_pct > GIVE_UP_LOSS_PCT) break
    }
    const held = hold ?? await holdTarget()
    const rssEnd = await rssMb(pid)
    const rssPeak = Math.round(Math.max(rssFilled, rssEnd))
    const floor = await dgramFloor(pool.get_peers)
    const target = `≥ ${TARGET_QPS} q/s, p99 < ${TARGET_P99_MS} ms, < ${TARGET_RSS_MB} MB`
    report.rows.push(
      { case: `held at ${TARGET_QPS} q/s for ${HOLD_MS / 1000} s`, implementation: 'silmaril-bootstrap', ...stepRow(held.step, held.cpu, HOLD_MS), rss_mb: rssPeak, target },
      { case: `reference: bare node:dgram echo held at ${TARGET_QPS} q/s`, implementation: 'node:dgram echo', ...stepRow(floor.step, floor.cpu, HOLD_MS) }
    )
    const loaded = steps.filter(s => s.target_qps >= CAPACITY_FROM_QPS && s.loss_pct <= SUSTAINED_LOSS_PCT).map(s => s.qps_per_core)
    const withinLatency = steps.filter(s => s.loss_pct <= SUSTAINED_LOSS_PCT && s.p99_ms < TARGET_P99_MS).at(-1)
    const { answered_qps: answered, loss_pct: loss, p99_ms: p99, window_p99_ms: windowP99 } = held.step
    const met = answered >= TARGET_QPS * (1 - SUSTAINED_LOSS_PCT / 100) && loss <= SUSTAINED_LOSS_PCT && p99 < TARGET_P99_MS && rssPeak < TARGET_RSS_MB
    report.notes.push(
      `mix per 10 queries: 4 get_peers, 2 announce_peer, 3 get (stored items), 1 put (a re-put of a stored item, as republishing does: answered 302 from the held item, no signature check; the fill row prices new, verified puts); ramp steps of ${STEP_MS / 1000} s, with ${HOLD_MS / 1000} s held at ${TARGET_QPS} q/s after the ramp's own ${TARGET_QPS} q/s step; open loop, one generator socket on 127.0.0.1`,
      `store: ${stored} of ${ITEMS} items accepted in ${fillS.toFixed(1)} s (signing them here took ${(signMs / 1000).toFixed(1)} s); RSS ${rssIdle.toFixed(0)} MB idle, ${rssFilled.toFixed(0)} MB filled, ${rssEnd.toFixed(0)} MB at the end`,
      `held at ${TARGET_QPS} q/s: p99 of each ${STEP_MS / 1000} s of it ${windowP99.map(p => p.toFixed(1)).join(', ')} ms; the echo's ${floor.step.window_p99_ms.map(p => p.toFixed(1)).join(', ')} ms`,
      `highest ramp step with loss ≤ ${SUSTAINED_LOSS_PCT}% and p99 < ${TARGET_P99_MS} ms: ${withinLatency === undefined ? 'none' : `${withinLatency.answered_qps} q/s (p99 ${withinLatency.p99_ms.toFixed(2)} ms)`}`,
      'gen_stall_ms: the longest stall of the generator\'s own event loop in the step; a reply it read late counts as that much slower, and the queries it sent late arrive as one burst',
      `node process: ${pinned ?? 'not pinned (taskset unavailable or one CPU): its CPU time still counts every thread'}`,
      `one-core capacity from CPU time (answered queries per CPU second of the node, all its threads, user + system): median of the steps ${Math.round(median(capacity))} q/s, median of the steps from ${CAPACITY_FROM_QPS} q/s without loss ${Math.round(median(loaded))} q/s (a busy node reads several datagrams per wakeup); unlike answered_qps it barely depends on what else the machine runs`,
      'reference: a node:dgram server that only echoes the transaction id in a 300-byte reply, pinned and loaded the same way; its cpu_us_per_q is what the runtime costs per query before any DHT work',
      `verdict: ${met ? 'target met' : 'target NOT met'} (from the hold: answered, loss ≤ ${SUSTAINED_LOSS_PCT}%, p99, peak RSS); cpu_pct is the node process (100 = one core)`
    )
  } finally {
    await load.close()
    await node.stop()
    await rm(root, { recursive: true, force: true })
  }
}

interface MeasuredStep {
  step: StepResult
  /** CPU seconds the server under load used in the step. */
  cpu: number
}

/** One open-loop step against the server `pid`, with the CPU it took; long steps report a p99 per STEP_MS. */
async function measuredStep (load: LoadGenerator, pid: number, rate: number, durationMs: number, next: (i: number) => Template): Promise<MeasuredStep> {
  const before = await cpuSeconds(pid)
  const step = await load.step(rate, durationMs, next, STEP_MS)
  return { step, cpu: await cpuSeconds(pid) - before }
}

/** A load step's columns, `cpu` being the CPU seconds the server under load used in it. */
function stepRow (step: StepResult, cpu: number, durationMs = STEP_MS): Record<string, number | null> {
  return {
    answered_qps: step.answered_qps,
    loss_pct: step.loss_pct,
    p50_ms: step.p50_ms,
    p99_ms: step.p99_ms,
    cpu_pct: Math.round(100 * cpu / (durationMs / 1000)),
    cpu_us_per_q: cpu > 0 ? Math.round(1e6 * cpu / step.answered) : null,
    qps_per_core: cpu > 0 ? stepCapacity(step.answered, cpu) : null,
    gen_cpu_pct: Math.round(100 * step.generator_cpu_s / (durationMs / 1000)),
    gen_stall_ms: step.generator_stall_ms
  }
}

/** The target rate held against `dgram-echo`, pinned like the node: the runtime's own cost per query. */
async function dgramFloor (templates: Template[]): Promise<MeasuredStep> {
  const echo = spawn(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), 'dgram-echo.js')], { stdio: ['ignore', 'pipe', 'inherit'] })
  try {
    const port = await new Promise<number>((resolve, reject) => {
      echo.once('error', reject)
      echo.once('exit', code => { reject(new Error(`dgram-echo exited (${String(code)}) before it listened`)) })
      createInterface({ input: echo.stdout! }).once('line', line => { resolve(Number(line)) })
    })
    const pinned = pinToOneCore(echo.pid!)
    const load = await createLoadGenerator({ host: '127.0.0.1', port }, pinned === null ? 'timer' : 'spin')
    try {
      const next = (i: number): Template => templates[i % templates.length]!
      // Warmed up first, as the ramp warms up the node: the echo's first second is its JIT's.
      await load.step(TARGET_QPS, WARM_UP_MS, next)
      return await measuredStep(load, echo.pid!, TARGET_QPS, HOLD_MS, next)
    } finally {
      await load.close()
    }
  } finally {
    await stopChild(echo)
  }
}

/**
 * Pins the node under test, all its threads, to the last CPU and this generator to the others, so
 * "one core" is literal and the generator never competes with the node for it. Other processes
 * on the machine still can: cpu_pct shows what the node got.
 */
function pinToOneCore (pid: number): string | null {
  const count = cpus().length
  if (count < 2) return null
  const node = spawnSync('taskset', ['-a', '-p', '-c', String(count - 1), String(pid)], { encoding: 'utf8' })
  if (node.status !== 0) return null
  spawnSync('taskset', ['-a', '-p', '-c', `0-${count - 2}`, String(process.pid)], { encoding: 'utf8' })
  return `pinned to CPU ${count - 1} (taskset -a), the generator to CPU${count > 2 ? `s 0-${count - 2}` : ' 0'}`
}
