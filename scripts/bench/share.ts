import { spawn } from 'node:child_process'
import { randomFillSync } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, open, rm } from 'node:fs/promises'
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { Writable } from 'node:stream'
import { hashFiles } from '../../src/share/torrent/hash-files.js'
import { createHybridTorrent } from '../../src/share/torrent/hybrid-torrent.js'
import { choosePieceLength } from '../../src/share/torrent/piece-length.js'
import { findLibtorrent, runLibtorrentScript, type LibtorrentPython } from '../../test/helpers/libtorrent.js'
import type { BenchReport } from './report.js'

/** `make bench-share`: hashing + hybrid torrent creation of a generated 1 GiB file, against sha256sum and libtorrent. */

const FILE_BYTES = 1024 * 1024 * 1024
const WRITE_CHUNK_BYTES = 16 * 1024 * 1024
const RUNS = 3
const CASE = '1 GiB, 1 file'
const FILE_NAME = 'model.bin'

interface Contender {
  implementation: string
  /** Seconds for one run. */
  once: () => Promise<number>
}

export async function run (report: BenchReport): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'silmaril-bench-share-'))
  try {
    const file = join(dir, FILE_NAME)
    await writeRandomFile(file, FILE_BYTES)
    await readThrough(file)
    const pieceLength = choosePieceLength(FILE_BYTES)
    const infohashes = new Map<string, string>()
    const contenders: Contender[] = [
      { implementation: 'silmaril', once: async () => await timeSilmaril(file, pieceLength, infohashes) },
      { implementation: 'sha256sum', once: async () => await timeCommand('sha256sum', [file]) }
    ]
    const lt = findLibtorrent()
    if ('missing' in lt) report.notes.push(`libtorrent row skipped: ${lt.missing}`)
    else contenders.push({ implementation: `libtorrent ${lt.version}`, once: async () => await timeLibtorrent(lt, file, pieceLength, infohashes) })

    const best = new Map<string, number>()
    // Rounds interleave the contenders so background load hits them alike.
    for (let round = 0; round < RUNS; round++) {
      for (const contender of contenders) {
        const seconds = await contender.once()
        best.set(contender.implementation, Math.min(best.get(contender.implementation) ?? Infinity, seconds))
      }
    }
    for (const { implementation } of contenders) {
      const seconds = best.get(implementation)!
      report.rows.push({ case: CASE, implementation, mb_s: Math.round(FILE_BYTES / 1e6 / seconds), seconds: Number(seconds.toFixed(3)) })
    }

    const model = cpus()[0]?.model.trim() ?? 'unknown CPU'
    report.notes.push(`${availableParallelism()} CPUs (${model}); load average ${loadavg()[0]!.toFixed(2)} at the end`)
    report.notes.push(`best of ${RUNS} interleaved runs on a warm page cache; MB = 10^6 bytes; piece length ${pieceLength} (our rule for 1 GiB)`)
    report.notes.push('silmaril: hashFiles (SHA-1 pieces, SHA-256 merkle, whole-file SHA-256 in one read pass, worker threads) + createHybridTorrent')
    report.notes.push('libtorrent: create_torrent (hybrid) + set_piece_hashes + generate, timed inside python; it computes no whole-file SHA-256')
    const [ours, theirs] = [infohashes.get('silmaril'), infohashes.get('libtorrent')]
    if (theirs !== undefined) report.notes.push(ours === theirs ? 'libtorrent made the same infohashes as silmaril' : `infohashes differ: silmaril ${ours}, libtorrent ${theirs}`)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function timeSilmaril (file: string, pieceLength: number, infohashes: Map<string, string>): Promise<number> {
  const started = performance.now()
  const files = await hashFiles([{ path: FILE_NAME, absolutePath: file, size: FILE_BYTES }], { pieceLength })
  const torrent = createHybridTorrent({ name: FILE_NAME, pieceLength, files })
  const seconds = (performance.now() - started) / 1000
  infohashes.set('silmaril', `${torrent.infoHashV1} ${torrent.infoHashV2}`)
  return seconds
}

async function timeLibtorrent (lt: LibtorrentPython, file: string, pieceLength: number, infohashes: Map<string, string>): Promise<number> {
  const created = await runLibtorrentScript<{ seconds: number, v1: string, v2: string }>(lt, 'create_torrent.py', [file, String(pieceLength), `${file}.torrent`])
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
    const chunk = Buffer.allocUnsafe(WRITE_CHUNK_BYTES)
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
