import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Catalog, catalogBytes, parseCatalogBytes, search } from '../../src/catalog/index.js'
import { generateEntries, NOW_MS } from '../../test/helpers/catalog-fixtures.js'
import type { BenchReport } from './report.js'

/**
 * `make bench catalog-merge`: merging a generated 100,000-entry catalog (cold: every signature
 * checked), then 1,000 new entries into it, as entries and as a peer's whole catalog file.
 * Each case runs in a fresh process so its peak RSS is its own.
 */

const BASE_ENTRIES = 100_000
const NEW_ENTRIES = 1_000
const PUBLISHERS = 110
const RUNS = 3
const FILES = { base: 'base.json', fresh: 'fresh.json', peer: 'peer.json' }

interface Measure {
  seconds: number
  peak_rss_mb: number
  held_rss_mb: number
  /** Live JS heap before the step, after a full GC: what holding the catalog costs. */
  heap_mb: number
  /** Entries held after the step. */
  entries: number
  /** What the step gave: entries added, file megabytes or search results. */
  result: Record<string, number>
}

type CaseName = 'cold' | 'incremental' | 'incremental-file' | 'incremental-file-warm' | 'write' | 'search'

const CASES: Array<{ name: CaseName, label: string, runs: number }> = [
  { name: 'cold', label: `cold: ${BASE_ENTRIES.toLocaleString('en')} entries, all verified`, runs: 1 },
  { name: 'incremental', label: `incremental: +${NEW_ENTRIES.toLocaleString('en')} new entries`, runs: RUNS },
  { name: 'incremental-file', label: `incremental: peer file of ${(BASE_ENTRIES + NEW_ENTRIES).toLocaleString('en')} (${NEW_ENTRIES.toLocaleString('en')} new)`, runs: RUNS },
  { name: 'incremental-file-warm', label: 'the same, in a warmed-up process (a running daemon)', runs: RUNS },
  { name: 'write', label: `catalog file of ${(BASE_ENTRIES + NEW_ENTRIES).toLocaleString('en')}`, runs: RUNS },
  { name: 'search', label: `search over ${BASE_ENTRIES.toLocaleString('en')}`, runs: RUNS }
]

export async function run (report: BenchReport): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'silmaril-bench-catalog-'))
  try {
    const started = performance.now()
    const base = generateEntries(BASE_ENTRIES, { publishers: PUBLISHERS })
    const fresh = generateEntries(NEW_ENTRIES, { publishers: PUBLISHERS, start: BASE_ENTRIES })
    const generated = (performance.now() - started) / 1000
    const peer = catalogBytes([...base, ...fresh])
    await writeFile(join(dir, FILES.base), catalogBytes(base))
    await writeFile(join(dir, FILES.fresh), catalogBytes(fresh))
    await writeFile(join(dir, FILES.peer), peer)

    for (const { name, label, runs } of CASES) {
      let best: Measure | undefined
      for (let i = 0; i < runs; i++) {
        const measure = await runChild(name, dir)
        if (best === undefined || measure.seconds < best.seconds) best = measure
      }
      const { seconds, peak_rss_mb, held_rss_mb, heap_mb, entries, result } = best!
      report.rows.push({ case: label, implementation: 'silmaril', seconds: Number(seconds.toFixed(3)), peak_rss_mb, held_rss_mb, heap_mb, entries, added: null, file_mb: null, found: null, ...result })
    }

    const model = cpus()[0]?.model.trim() ?? 'unknown CPU'
    report.notes.push(`${availableParallelism()} CPUs (${model}); load average ${loadavg()[0]!.toFixed(2)} at the end`)
    report.notes.push(`${BASE_ENTRIES} entries from ${PUBLISHERS} publishers signed in ${generated.toFixed(1)} s (not measured); catalog file ${(peer.byteLength / 1e6).toFixed(1)} MB for ${BASE_ENTRIES + NEW_ENTRIES} entries`)
    report.notes.push('each case in a fresh process; incremental cases start from the 100,000 entries restored with { verified: true } (as from the node database); best of ' + RUNS)
    report.notes.push('held_rss_mb / heap_mb: RSS and live JS heap (after a full GC) before the measured step; peak_rss_mb: the process maximum, parsing the input included')
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function runChild (name: CaseName, dir: string): Promise<Measure> {
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), 'child', name, dir], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
    child.on('error', reject)
    child.on('exit', code => { if (code === 0) resolve(out); else reject(new Error(`catalog-merge ${name} exited with ${code}`)) })
  })
  return JSON.parse(output) as Measure
}

async function child (name: CaseName, dir: string): Promise<Measure> {
  const read = async (file: string): Promise<Uint8Array> => new Uint8Array(await readFile(join(dir, file)))
  const catalog = new Catalog({ now: () => NOW_MS })
  let step: () => Record<string, number>
  if (name === 'cold') {
    const bytes = await read(FILES.base)
    step = () => ({ added: catalog.mergeFile(bytes).added })
  } else {
    catalog.merge(parseCatalogBytes(await read(FILES.base)).entries, { verified: true })
    if (name === 'incremental') {
      const fresh = parseCatalogBytes(await read(FILES.fresh)).entries
      step = () => ({ added: catalog.merge(fresh).added })
    } else if (name === 'incremental-file' || name === 'incremental-file-warm') {
      if (name === 'incremental-file-warm') catalog.mergeFile(await read(FILES.base))
      const bytes = await read(FILES.peer)
      step = () => ({ added: catalog.mergeFile(bytes).added })
    } else if (name === 'write') {
      catalog.merge(parseCatalogBytes(await read(FILES.fresh)).entries, { verified: true })
      step = () => ({ file_mb: Number((catalog.toBytes().byteLength / 1e6).toFixed(1)) })
    } else {
      step = () => ({ found: search(catalog.live(), { pattern: 'model-4242' }).length })
    }
  }
  (globalThis as { gc?: () => void }).gc?.()
  const { rss: held, heapUsed } = process.memoryUsage()
  const started = performance.now()
  const result = step()
  const seconds = (performance.now() - started) / 1000
  return { seconds, peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024), held_rss_mb: Math.round(held / 1024 / 1024), heap_mb: Math.round(heapUsed / 1024 / 1024), entries: catalog.size, result }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === 'child') {
  child(process.argv[3] as CaseName, process.argv[4]!).then(measure => {
    process.stdout.write(`${JSON.stringify(measure)}\n`)
  }, (err: Error) => {
    process.stderr.write(`catalog-merge child: ${err.stack ?? err.message}\n`)
    process.exitCode = 1
  })
}
