import assert from 'node:assert/strict'
import { closeSync, constants, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { PiecePool } from '../../src/get/piece-pool.js'
import { DirectWriter } from '../../src/share/direct-writer.js'
import { PadAwareStore } from '../../src/share/pad-store.js'
import { seededBytes } from '../helpers/seeded-bytes.js'

const PIECE = 16 * 1024
/** Three whole pieces and a short tail: the tail cannot be written direct. */
const SIZE = 3 * PIECE + 100
const O_DIRECT_FLAG = 0o40000

async function tempDir (t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'silmaril-direct-'))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

function storeFor (folder: string, directMemory: (buf: Uint8Array) => boolean): PadAwareStore {
  return new PadAwareStore(PIECE, { folder, files: [{ path: 'm/model.bin', length: SIZE }], directMemory })
}

async function put (store: PadAwareStore, index: number, buf: Uint8Array): Promise<void> {
  await new Promise<void>((resolve, reject) => { store.put(index, buf, err => { if (err === null) resolve(); else reject(err) }) })
}

async function get (store: PadAwareStore, index: number): Promise<Buffer> {
  return await new Promise((resolve, reject) => { store.get(index, (err, buf) => { if (err === null && buf !== undefined) resolve(buf); else reject(err ?? new Error('no buffer')) }) })
}

async function close (store: PadAwareStore): Promise<void> {
  await new Promise<void>((resolve, reject) => { store.close(err => { if (err === null) resolve(); else reject(err) }) })
}

/** Linux only: whether this process holds `path` open with O_DIRECT (undefined where /proc cannot tell). */
function openDirect (path: string): boolean | undefined {
  if (process.platform !== 'linux') return undefined
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string
    try { target = readlinkSync(`/proc/self/fd/${fd}`) } catch { continue }
    if (target !== path) continue
    const flags = /flags:\s+(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1]
    if (flags !== undefined && (parseInt(flags, 8) & O_DIRECT_FLAG) !== 0) return true
  }
  return false
}

function supportsDirect (folder: string): boolean {
  const direct = (constants as { O_DIRECT?: number }).O_DIRECT
  if (direct === undefined) return false
  try {
    closeSync(openSync(join(folder, '.probe'), constants.O_WRONLY | constants.O_CREAT | direct))
    return true
  } catch {
    return false
  }
}

test('whole pieces in aligned memory go to disk past the page cache; the store reads them back; the short tail is cached', async t => {
  const folder = await tempDir(t)
  const data = seededBytes(SIZE, 7)
  const pool = new PiecePool(1 << 20)
  const store = storeFor(folder, buf => pool.alignedView(buf))
  const pieces = [0, 1, 2, 3].map(index => {
    const bytes = data.subarray(index * PIECE, Math.min(SIZE, (index + 1) * PIECE))
    const slot = pool.take(bytes.length)
    slot.set(bytes)
    return slot
  })
  assert.ok(pieces.every(piece => pool.alignedView(piece)))
  assert.equal(DirectWriter.fits(PIECE, PIECE), true)
  assert.equal(DirectWriter.fits(3 * PIECE, 100), false, 'the tail')
  await Promise.all([3, 1, 0, 2].map(async index => { await put(store, index, pieces[index]!) }))

  const path = join(folder, 'model.bin')
  const direct = openDirect(path)
  if (direct === undefined) t.diagnostic('not Linux: cannot see whether the file is open with O_DIRECT')
  else if (supportsDirect(folder)) assert.equal(direct, true, 'the file is open with O_DIRECT')
  else t.diagnostic(`the file system under ${folder} refuses O_DIRECT; the pieces were written through the cache`)
  for (const index of [0, 1, 2, 3]) assert.deepEqual(await get(store, index), Buffer.from(pieces[index]!), `piece ${index}`)
  await close(store)
  assert.deepEqual(await readFile(path), data)
})

test('memory wrongly vouched for as aligned is refused by the kernel and written through the cache instead, nothing lost', async t => {
  const folder = await tempDir(t)
  const data = seededBytes(SIZE, 8)
  const store = storeFor(folder, () => true)
  for (const index of [0, 1, 2, 3]) {
    const bytes = data.subarray(index * PIECE, Math.min(SIZE, (index + 1) * PIECE))
    // One byte into a larger buffer: never on a page boundary.
    const misaligned = Buffer.alloc(bytes.length + 1).subarray(1)
    misaligned.set(bytes)
    await put(store, index, misaligned)
  }
  for (const index of [0, 1, 2, 3]) assert.deepEqual(await get(store, index), data.subarray(index * PIECE, Math.min(SIZE, (index + 1) * PIECE)))
  await close(store)
  assert.deepEqual(await readFile(join(folder, 'model.bin')), data)
})

test('a store without directMemory never opens a file with O_DIRECT', async t => {
  const folder = await tempDir(t)
  const data = seededBytes(SIZE, 9)
  const pool = new PiecePool(1 << 20)
  const store = new PadAwareStore(PIECE, { folder, files: [{ path: 'm/model.bin', length: SIZE }] })
  const slot = pool.take(PIECE)
  slot.set(data.subarray(0, PIECE))
  await put(store, 0, slot)
  assert.notEqual(openDirect(join(folder, 'model.bin')), true)
  await close(store)
})
