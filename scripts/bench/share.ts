import { spawn } from 'node:child_process'
import { randomFillSync } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises'
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { Writable } from 'node:stream'
import { hashFiles } from '../../src/share/torrent/hash-files.js'
import { createHybridTorrent } from '../../src/share/torrent/hybrid-torrent.js'
import { choosePieceLength } from '../../src/share/torrent/piece-length.js'
import { IDLE_WORKER_MS } from '../../src/share/torrent/worker-pool.js'
import { findLibtorrent, runLibtorrentScript, type LibtorrentPython } from '../../test/helpers/libtorrent.js'
import type { BenchReport } from './report.js'

/**
 * `make bench-share`: hashing + hybrid torrent creation of generated data (one 1 GiB file, and a
 * 1 GiB model folder of shards and small files), against sha256sum and libtorrent.
 */

const MiB = 1024 * 1024
const WRITE_CHUNK_BYTES = 16 * MiB
const RUNS = 3

interface BenchCase {
  name: string
  /** What is handed to libtorrent: the file itself, or the folder. */
  root: string
  /** Torrent-relative path → bytes. */
  files: Record<string, number>
}

/** A single file, and a model folder as they come: a few big shards and a handful of small files. */
const CASES: BenchCase[] = [
  { name: '1 GiB, 1 file', root: 'model.bin', files: { 'model.bin': 1024 * MiB } },
  {
    name: '1 GiB, 9 files',
    root: 'model',
    files: {
      'config.json': 731,
      'generation_config.json': 187,
      'model-00001-of-00004.safetensors': 253 * MiB + 4099,
      'model-00002-of-00004.safetensors': 253 * MiB + 12_345,
      'model-00003-of-00004.safetensors': 253 * MiB + 777,
      'model-00004-of-00004.safetensors': 253 * MiB - 54_321,
      'README.md': 5120,
      'special_tokens_map.json': 414,
      'tokenizer.json': 12 * MiB - 130_000
    }
  }
]

interface Contender {
  implementation: string
  /** Seconds for one run. */
  once: () => Promise<number>
}

export async function run (report: BenchReport): Promise<void> {
  const lt = findLibtorrent()
  if ('missing' in lt) report.notes.push(`libtorrent rows skipped: ${lt.missing}`)
  let firstRuns = 0
  for (const benchCase of CASES) {
    const dir = await mkdtemp(join(tmpdir(), 'silmaril-bench-share-'))
    try {
      const paths = Object.keys(benchCase.files)
      const single = paths.length === 1
      const root = join(dir, benchCase.root)
      const absolute = (path: string): string => single ? root : join(root, path)
      for (const path of paths) {
        await mkdir(dirname(absolute(path)), { recursive: true })
        await writeRandomFile(absolute(path), benchCase.files[path]!)
        await readThrough(absolute(path))
      }
      const totalBytes = Object.values(benchCase.files).reduce((sum, size) => sum + size, 0)
      const pieceLength = choosePieceLength(totalBytes)
      const inputs = paths.map(path => ({ path, absolutePath: absolute(path), size: benchCase.files[path]! }))
      const infohashes = new Map<string, string>()
      const silmarilRuns: number[] = []
      const contenders: Contender[] = [
        { implementation: 'silmaril', once: async () => await timeSilmaril(basename(root), inputs, pieceLength, infohashes, silmarilRuns) },
        { implementation: 'sha256sum', once: async () => await timeCommand('sha256sum', paths.map(absolute)) }
      ]
      if (!('missing' in lt)) contenders.push({ implementation: `libtorrent ${lt.version}`, once: async () => await timeLibtorrent(lt, root, pieceLength, infohashes) })

      const best = new Map<string, number>()
      // Rounds interleave the contenders so background load hits them alike.
      for (let round = 0; round < RUNS; round++) {
        for (const contender of contenders) {
          const seconds = await contender.once()
          best.set(contender.implementation, Math.min(best.get(contender.implementation) ?? Infinity, seconds))
        }
      }
      const row = (implementation: string, seconds: number): void => {
        report.rows.push({ case: benchCase.name, implementation, mb_s: Math.round(totalBytes / 1e6 / seconds), seconds: Number(seconds.toFixed(3)) })
      }
      for (const { implementation } of contenders) row(implementation, best.get(implementation)!)
      // The first run of the process starts the hash workers; later ones find them waiting.
      if (firstRuns++ === 0) row('silmaril, first run', silmarilRuns[0]!)

      const [ours, theirs] = [infohashes.get('silmaril'), infohashes.get('libtorrent')]
      if (theirs !== undefined) report.notes.push(`${benchCase.name}: ${ours === theirs ? 'libtorrent made the same infohashes as silmaril' : `infohashes differ: silmaril ${ours}, libtorrent ${theirs}`}`)
      report.notes.push(`${benchCase.name}: piece length ${pieceLength} (our rule for ${totalBytes} bytes)`)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }

  const model = cpus()[0]?.model.trim() ?? 'unknown CPU'
  report.notes.push(`${availableParallelism()} CPUs (${model}); load average ${loadavg()[0]!.toFixed(2)} at the end`)
  report.notes.push(`best of ${RUNS} interleaved runs on a warm page cache; MB = 10^6 bytes`)
  report.notes.push('silmaril: hashFiles (SHA-1 pieces, SHA-256 merkle, whole-file SHA-256 in one read pass, worker threads) + createHybridTorrent')
  report.notes.push(`silmaril, first run: the process's first hashFiles, which starts its workers; later calls within ${IDLE_WORKER_MS / 1000} s reuse them`)
  report.notes.push('libtorrent: create_torrent (hybrid) + set_piece_hashes + generate, timed inside python; it computes no whole-file SHA-256')
}

async function timeSilmaril (name: string, inputs: Array<{ path: string, absolutePath: string, size: number }>, pieceLength: number, infohashes: Map<string, string>, runs: number[]): Promise<number> {
  const started = performance.now()
  const files = await hashFiles(inputs, { pieceLength })
  const torrent = createHybridTorrent({ name, pieceLength, files })
  const seconds = (performance.now() - started) / 1000
  runs.push(seconds)
  infohashes.set('silmaril', `${torrent.infoHashV1} ${torrent.infoHashV2}`)
  return seconds
}

async function timeLibtorrent (lt: LibtorrentPython, root: string, pieceLength: number, infohashes: Map<string, string>): Promise<number> {
  const created = await runLibtorrentScript<{ seconds: number, v1: string, v2: string }>(lt, 'create_torrent.py', [root, String(pieceLength), `${root}.torrent`])
  infohashes.set('libtorrent', `${created.v1} ${created.v2}`)
  return created.seconds
}

async function timeCommand (command: string, args: string[]): Promise<number> {
  const started = performance.now()
  await new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] })
    child.on('error', reject)
    child.on('exit', code => { if (code === 0) resolve(); else reject(new Error(`${command} exited with ${code}`)) })
  })
  return (performance.now() - started) / 1000
}

async function writeRandomFile (file: string, bytes: number): Promise<void> {
  const handle = await open(file, 'w')
  try {
    const chunk = Buffer.allocUnsafe(Math.min(WRITE_CHUNK_BYTES, Math.max(bytes, 1)))
    for (let written = 0; written < bytes; written += chunk.length) {
      randomFillSync(chunk)
      await handle.write(chunk, 0, Math.min(chunk.length, bytes - written))
    }
  } finally {
    await handle.close()
  }
}

async function readThrough (file: string): Promise<void> {
  await pipeline(createReadStream(file, { highWaterMark: 4 * 1024 * 1024 }), new Writable({ write: (_chunk, _encoding, done) => { done() } }))
}
