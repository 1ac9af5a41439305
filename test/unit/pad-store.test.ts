import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { access, chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import fc from 'fast-check'
import { SilmarilError } from '../../src/errors.js'
import { isPadPath, PadAwareStore, padFileIndices, type PadAwareStoreOptions } from '../../src/share/pad-store.js'

interface Entry { path: string, length: number, pad: boolean }

/** Padded to 8-byte pieces: two pads with the same name, a file in a folder, a short tail. */
const LAYOUT: Entry[] = [
  { path: 'model/a.bin', length: 5, pad: false },
  { path: 'model/.pad/3', length: 3, pad: true },
  { path: 'model/sub/b.bin', length: 13, pad: false },
  { path: 'model/.pad/3', length: 3, pad: true },
  { path: 'model/c.txt', length: 7, pad: false }
]
const CHUNK_LENGTHS = [3, 4, 5, 8, 16, 31, 64]

type Detection = 'info' | 'explicit' | 'path'

async function tempDir (t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'silmaril-pad-store-'))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

function withOffsets (entries: readonly Entry[]): Array<{ path: string, length: number, offset: number }> {
  let offset = 0
  return entries.map(entry => {
    const file = { path: entry.path, length: entry.length, offset }
    offset += entry.length
    return file
  })
}

/** The torrent's bytes: random for real files, zeros for pads. */
function content (entries: readonly Entry[]): Buffer {
  return Buffer.concat(entries.map(entry => entry.pad ? Buffer.alloc(entry.length) : randomBytes(entry.length)))
}

function rawInfo (entries: readonly Entry[]): Record<string, unknown> {
  const text = new TextEncoder()
  return {
    name: text.encode('model'),
    files: entries.map(entry => ({
      length: entry.length,
      path: entry.path.split('/').slice(1).map(part => text.encode(part)),
      ...(entry.pad ? { attr: text.encode('p') } : {})
    }))
  }
}

function storeOptions (entries: readonly Entry[], path: string, detection: Detection): PadAwareStoreOptions {
  const files = withOffsets(entries)
  if (detection === 'info') return { files, path, torrent: { info: rawInfo(entries) } }
  if (detection === 'explicit') return { files, path, padFiles: entries.flatMap((entry, i) => entry.pad ? [i] : []) }
  return { files, path }
}

async function put (store: PadAwareStore, index: number, buf: Uint8Array): Promise<void> {
  await new Promise<void>((resolve, reject) => { store.put(index, buf, err => { if (err === null) resolve(); else reject(err) }) })
}

async function get (store: PadAwareStore, index: number, opts?: { offset?: number, length?: number }): Promise<Buffer> {
  return await new Promise((resolve, reject) => {
    const done = (err: Error | null, buf?: Buffer): void => { if (err === null && buf !== undefined) resolve(buf); else reject(err ?? new Error('no buffer')) }
    if (opts === undefined) store.get(index, done)
    else store.get(index, opts, done)
  })
}

async function close (store: PadAwareStore): Promise<void> {
  await new Promise<void>((resolve, reject) => { store.close(err => { if (err === null) resolve(); else reject(err) }) })
}

function chunkOf (data: Buffer, chunkLength: number, index: number): Buffer {
  return data.subarray(index * chunkLength, Math.min(data.length, (index + 1) * chunkLength))
}

async function listTree (dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter(entry => entry.isFile()).map(entry => join(entry.parentPath, entry.name).slice(dir.length + 1)).sort()
}

async function exists (path: string): Promise<boolean> {
  return await access(path).then(() => true, () => false)
}

/** Checks that the real files on disk hold exactly their bytes and that nothing else is there. */
async function assertDisk (root: string, entries: readonly Entry[], data: Buffer): Promise<void> {
  let offset = 0
  const expected: string[] = []
  for (const entry of entries) {
    if (!entry.pad && entry.length > 0) {
      expected.push(entry.path)
      assert.deepEqual(await readFile(join(root, entry.path)), data.subarray(offset, offset + entry.length), entry.path)
    }
    offset += entry.length
  }
  assert.deepEqual(await listTree(root), [...new Set(expected)].sort())
  assert.equal(await exists(join(root, 'model', '.pad')), false, 'a .pad folder was created')
}

async function writeAll (store: PadAwareStore, data: Buffer, order: readonly number[]): Promise<void> {
  await Promise.all(order.map(index => put(store, index, chunkOf(data, store.chunkLength, index))))
}

for (const detection of ['info', 'explicit', 'path'] as const) {
  test(`pads found by ${detection}: chunks round-trip at several chunk lengths, pads stay off the disk`, async (t) => {
    for (const chunkLength of CHUNK_LENGTHS) {
      const root = await tempDir(t)
      const data = content(LAYOUT)
      const store = new PadAwareStore(chunkLength, storeOptions(LAYOUT, root, detection))
      const chunks = Math.ceil(data.length / chunkLength)
      assert.equal(store.length, data.length)
      assert.equal(store.lastChunkIndex, chunks - 1)
      assert.equal(store.lastChunkLength, data.length - (chunks - 1) * chunkLength)

      await writeAll(store, data, [...Array(chunks).keys()].reverse())
      for (let index = 0; index < chunks; index++) {
        const chunk = chunkOf(data, chunkLength, index)
        assert.deepEqual(await get(store, index), chunk, `chunk ${index} of ${chunkLength}`)
        assert.deepEqual(await get(store, index, {}), chunk)
        for (let offset = 0; offset < chunk.length; offset++) {
          for (let length = 1; offset + length <= chunk.length; length++) {
            assert.deepEqual(await get(store, index, { offset, length }), chunk.subarray(offset, offset + length),
              `chunk ${index} of ${chunkLength}, ${length} bytes at ${offset}`)
          }
        }
      }
      await assertDisk(root, LAYOUT, data)
      await close(store)
    }
  })
}

test('data written before reopening is read back by a new store', async (t) => {
  const root = await tempDir(t)
  const data = content(LAYOUT)
  const writer = new PadAwareStore(8, storeOptions(LAYOUT, root, 'info'))
  await writeAll(writer, data, [0, 1, 2, 3])
  await close(writer)
  const reader = new PadAwareStore(8, storeOptions(LAYOUT, root, 'info'))
  for (let index = 0; index < 4; index++) assert.deepEqual(await get(reader, index), chunkOf(data, 8, index))
  await close(reader)
})

test('random layouts and chunk lengths round-trip', async (t) => {
  const base = await tempDir(t)
  let run = 0
  const entry = fc.record({ length: fc.integer({ min: 0, max: 40 }), pad: fc.boolean() })
  await fc.assert(fc.asyncProperty(
    fc.array(entry, { minLength: 1, maxLength: 6 }).filter(list => list.some(e => !e.pad && e.length > 0)),
    fc.integer({ min: 1, max: 50 }),
    fc.integer(),
    async (shape, chunkLength, seed) => {
      const entries = shape.map((e, i) => ({ path: e.pad ? `model/.pad/${e.length}` : `model/d${i % 2}/f${i}`, ...e }))
      const root = join(base, String(run++))
      const data = content(entries)
      const store = new PadAwareStore(chunkLength, storeOptions(entries, root, 'info'))
      const chunks = Math.ceil(data.length / chunkLength)
      const order = [...Array(chunks).keys()].sort((a, b) => ((a * 7919 + seed) % 13) - ((b * 7919 + seed) % 13))
      await writeAll(store, data, order)
      for (let index = 0; index < chunks; index++) {
        const chunk = chunkOf(data, chunkLength, index)
        assert.deepEqual(await get(store, index), chunk)
        const offset = Math.abs(seed) % chunk.length
        const length = 1 + (Math.abs(seed >> 3) % (chunk.length - offset))
        assert.deepEqual(await get(store, index, { offset, length }), chunk.subarray(offset, offset + length))
      }
      await assertDisk(root, entries, data)
      await close(store)
    }), { numRuns: 60 })
})

test('reading before writing fails like fs-chunk-store and creates nothing', async (t) => {
  const root = await tempDir(t)
  const data = content(LAYOUT)
  const store = new PadAwareStore(8, storeOptions(LAYOUT, root, 'info'))
  await assert.rejects(get(store, 0), { code: 'ENOENT' })
  await assert.rejects(get(store, 1), { code: 'ENOENT' })
  assert.deepEqual(await get(store, 0, { offset: 5, length: 3 }), Buffer.alloc(3), 'the pad after a.bin needs no file')
  assert.deepEqual(await readdir(root), [], 'reads must not create folders')

  await put(store, 0, chunkOf(data, 8, 0))
  assert.deepEqual(await get(store, 0), chunkOf(data, 8, 0))
  await assert.rejects(get(store, 1), { code: 'ENOENT' }, 'sub/b.bin was never written')
  await put(store, 1, chunkOf(data, 8, 1))
  await assert.rejects(get(store, 2), { code: 'EPARTIALREAD' }, 'b.bin holds only its head')
  await close(store)
})

test('a file that appears after a failed read is found', async (t) => {
  const root = await tempDir(t)
  const store = new PadAwareStore(8, storeOptions(LAYOUT, root, 'info'))
  await assert.rejects(get(store, 0), { code: 'ENOENT' })
  await mkdir(join(root, 'model'))
  await writeFile(join(root, 'model', 'a.bin'), 'hello')
  assert.deepEqual(await get(store, 0), Buffer.from('hello\0\0\0'))
  await close(store)
})

test('a read-only file is still read', async (t) => {
  if (process.getuid?.() === 0) return t.skip('running as root: file permissions do not apply')
  const root = await tempDir(t)
  await mkdir(join(root, 'model'))
  await writeFile(join(root, 'model', 'a.bin'), 'hello')
  await chmod(join(root, 'model', 'a.bin'), 0o444)
  const store = new PadAwareStore(8, storeOptions(LAYOUT, root, 'info'))
  assert.deepEqual(await get(store, 0), Buffer.from('hello\0\0\0'))
  await close(store)
})

/** Checks that every call fails with the refusal, and nothing was written. */
async function assertRefused (store: PadAwareStore, root: string, pattern: RegExp): Promise<void> {
  const refused = (err: unknown): boolean => err instanceof SilmarilError && err.code === 'bad_request' && pattern.test(err.message)
  assert.ok(refused(store.refusal), `expected a refusal matching ${String(pattern)}, got ${String(store.refusal)}`)
  await assert.rejects(put(store, 0, Buffer.alloc(store.chunkLength)), refused)
  await assert.rejects(get(store, 0), refused)
  await new Promise<void>((resolve, reject) => { store.destroy(err => { if (err === null) resolve(); else reject(err) }) })
  assert.deepEqual(await readdir(root), [])
}

test('a torrent whose paths would leave the root is refused by every call, never by a throw', async (t) => {
  const root = await tempDir(t)
  for (const path of ['../evil', 'model/../../evil', 'model/sub/../../../evil', '/etc/passwd', 'model/..', '..']) {
    await assertRefused(new PadAwareStore(8, { files: [{ path, length: 8 }], path: join(root, 'in') }), root, /refusing file path .* would leave/)
  }
  await assertRefused(new PadAwareStore(8, { files: [{ path: '', length: 8 }], path: root }), root, /names no file/)
  await assertRefused(new PadAwareStore(8, { files: [{ path: 'a', length: 8 }], path: root, addUID: true, name: '../up - 0123abcd' }), root, /store name/)

  // A pad never touches the disk, so its path does not matter.
  const padded = new PadAwareStore(8, { files: [{ path: 'x/a', length: 5 }, { path: '../.pad/3', length: 3 }], path: root, padFiles: [1] })
  assert.equal(padded.refusal, undefined)
  // On POSIX a backslash is part of a name (fs-chunk-store strips it from the file name) and cannot climb.
  const slashes = new PadAwareStore(4, { files: [{ path: 'model/..\\..\\evil', length: 4 }], path: root })
  await put(slashes, 0, Buffer.from('abcd'))
  await close(slashes)
  assert.deepEqual(await listTree(root), [join('model', '....evil')])
})

test('file paths resolve like fs-chunk-store: path, rootDir, addUID, reserved characters', async (t) => {
  const root = await tempDir(t)
  const one = [{ path: 'model/w<e>i:r|d?.bin', length: 4 }]
  const plain = new PadAwareStore(4, { files: one, path: root })
  await put(plain, 0, Buffer.from('abcd'))
  await close(plain)
  assert.equal(await readFile(join(root, 'model', 'weird.bin'), 'utf8'), 'abcd')

  const other = join(root, 'other')
  const rooted = new PadAwareStore(4, { files: one, path: root, rootDir: other })
  await put(rooted, 0, Buffer.from('efgh'))
  await close(rooted)
  assert.equal(await readFile(join(other, 'model', 'weird.bin'), 'utf8'), 'efgh')

  const uid = new PadAwareStore(4, { files: one, path: root, addUID: true, name: 'model - 0123abcd' })
  await put(uid, 0, Buffer.from('ijkl'))
  assert.equal(await readFile(join(root, 'model - 0123abcd', 'model', 'weird.bin'), 'utf8'), 'ijkl')
  await new Promise<void>((resolve, reject) => { uid.destroy(err => { if (err === null) resolve(); else reject(err) }) })
  assert.equal(await exists(join(root, 'model - 0123abcd')), false)
})

test('bad calls fail through the callback', async (t) => {
  const root = await tempDir(t)
  const store = new PadAwareStore(8, storeOptions(LAYOUT, root, 'info'))
  await assert.rejects(put(store, 0, Buffer.alloc(7)), { code: 'bad_request' })
  await assert.rejects(put(store, 3, Buffer.alloc(8)), { code: 'bad_request' }, 'the last chunk is 7 bytes')
  await assert.rejects(put(store, 4, Buffer.alloc(8)), { code: 'bad_request' })
  await assert.rejects(get(store, -1), { code: 'bad_request' })
  await assert.rejects(get(store, 0, { offset: 4, length: 5 }), { code: 'bad_request' })
  await assert.rejects(get(store, 3, { offset: 0, length: 8 }), { code: 'bad_request' })
  assert.deepEqual(await get(store, 0, { offset: 8 }), Buffer.alloc(0))
  assert.throws(() => new PadAwareStore(8, { files: withOffsets(LAYOUT), path: root, padFiles: [5] }), { code: 'bad_request' })
  assert.throws(() => new PadAwareStore(8, { files: 'a' as unknown as [], path: root }), { code: 'bad_request' })
  const empty = join(root, 'empty')
  await mkdir(empty)
  await assertRefused(new PadAwareStore(8, { files: withOffsets(LAYOUT), path: empty, length: 30 }), empty, /add up to 31 bytes/)
  await assertRefused(new PadAwareStore(0, { files: withOffsets(LAYOUT), path: empty }), empty, /chunk length/)
  await assertRefused(new PadAwareStore(8, { files: [{ path: 'a', length: 2, offset: 1 }], path: empty }), empty, /starts at 1/)
  await assertRefused(new PadAwareStore(8, { files: [{ path: 'a', length: -2 }], path: empty }), empty, /no valid length/)

  await close(store)
  await assert.rejects(get(store, 0), /Storage is closed/)
  await assert.rejects(put(store, 0, Buffer.alloc(8)), /Storage is closed/)
  await assert.rejects(close(store), /Storage is closed/)
})

test('destroy deletes the real files', async (t) => {
  const root = await tempDir(t)
  const data = content(LAYOUT)
  const store = new PadAwareStore(8, storeOptions(LAYOUT, root, 'info'))
  await writeAll(store, data, [0, 1, 2, 3])
  await new Promise<void>((resolve, reject) => { store.destroy(err => { if (err === null) resolve(); else reject(err) }) })
  assert.deepEqual(await listTree(root), [])
})

test('padFileIndices reads BEP 47 attrs from the raw info dict', () => {
  assert.deepEqual(padFileIndices(rawInfo(LAYOUT)), [1, 3])
  assert.deepEqual(padFileIndices({ files: [{ length: 1, attr: 'x' }, { length: 2, attr: 'px' }, { length: 3 }] }), [1])
  assert.deepEqual(padFileIndices({ files: [{ length: 1, attr: new TextEncoder().encode('hx') }] }), [], 'hidden and executable are not padding')
  assert.deepEqual(padFileIndices({ name: 'single', length: 5 }), [])
  assert.deepEqual(padFileIndices(undefined), [])
  assert.deepEqual(padFileIndices({ files: 'nonsense' }), [])
})

test('attrs win over names: a real file called .pad/<N> is kept', async (t) => {
  const root = await tempDir(t)
  const entries: Entry[] = [
    { path: 'model/.pad/4', length: 4, pad: false },
    { path: 'model/.pad/4', length: 4, pad: true }
  ]
  const store = new PadAwareStore(8, storeOptions(entries, root, 'info'))
  await put(store, 0, Buffer.from('data\0\0\0\0'))
  await close(store)
  assert.equal(await readFile(join(root, 'model', '.pad', '4'), 'utf8'), 'data')
  assert.ok(isPadPath('model/.pad/4') && isPadPath('.pad/12') && !isPadPath('model/sub/.pad/4') && !isPadPath('model/.pad/x'))
})
