import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import fc from 'fast-check'
import { SilmarilError } from '../../src/errors.js'
import { detectFormat, readGgufHeader, readModelConfig, readSafetensorsHeader } from '../../src/share/format/index.js'
import { ggufKv, ggufPreamble, ggufString, u32le, u64le, writeGguf, writeSafetensors } from '../helpers/model-fixtures.js'

const U64_MAX = 2n ** 64n - 1n
const GGUF_ARRAY = 9
const GGUF_STRING = 8

async function tempDir (t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'silmaril-format-hostile-'))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

function safetensorsBytes (header: string, data = Buffer.alloc(0), declaredLength: number | bigint = Buffer.byteLength(header)): Buffer {
  return Buffer.concat([u64le(declaredLength), Buffer.from(header), data])
}

function ggufBytes (kvs: Buffer[], tensorCount: number | bigint = 0, rest: Buffer[] = []): Buffer {
  return Buffer.concat([ggufPreamble({ version: 3, tensorCount, kvCount: kvs.length }), ...kvs, ...rest])
}

function nestedArrays (depth: number): Buffer {
  const parts = [ggufString('deep'), u32le(GGUF_ARRAY)]
  for (let i = 0; i < depth; i++) parts.push(u32le(GGUF_ARRAY), u64le(1))
  parts.push(u32le(GGUF_ARRAY), u64le(0))
  return Buffer.concat(parts)
}

const tensor = (entry: unknown): string => JSON.stringify({ w: entry })

/** Each file is hostile or corrupt in one way; the value is what its reason must mention. */
function hostileFiles (validSafetensors: Buffer, validGguf: Buffer): Record<string, [Buffer, RegExp]> {
  return {
    'st-empty.safetensors': [Buffer.alloc(0), /too short/],
    'st-truncated.safetensors': [validSafetensors.subarray(0, 20), /past the end/],
    'st-length-over-file.safetensors': [safetensorsBytes('{}', undefined, 1000), /past the end/],
    'st-length-2-63.safetensors': [safetensorsBytes('{}', undefined, 2n ** 63n), /cap/],
    'st-length-max.safetensors': [safetensorsBytes('{}', undefined, U64_MAX), /cap/],
    'st-not-json.safetensors': [safetensorsBytes('not json!'), /JSON/],
    'st-bad-utf8.safetensors': [Buffer.concat([u64le(4), Buffer.from([0x22, 0xff, 0xfe, 0x22])]), /UTF-8/],
    'st-array.safetensors': [safetensorsBytes('[1,2]'), /not a JSON object/],
    'st-null.safetensors': [safetensorsBytes('null'), /not a JSON object/],
    'st-negative-dim.safetensors': [safetensorsBytes(tensor({ dtype: 'F32', shape: [-1, 2], data_offsets: [0, 0] })), /shape/],
    'st-string-shape.safetensors': [safetensorsBytes(tensor({ dtype: 'F32', shape: 'x', data_offsets: [0, 0] })), /shape/],
    'st-float-offsets.safetensors': [safetensorsBytes(tensor({ dtype: 'F32', shape: [], data_offsets: [0, 4.5] })), /data_offsets/],
    'st-offsets-outside.safetensors': [safetensorsBytes(tensor({ dtype: 'F32', shape: [1], data_offsets: [0, 4] })), /outside the data/],
    'st-size-mismatch.safetensors': [safetensorsBytes(tensor({ dtype: 'F32', shape: [2], data_offsets: [0, 4] }), Buffer.alloc(4)), /need 8/],
    'st-huge-shape.safetensors': [safetensorsBytes(tensor({ dtype: 'X9', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 0] })), /too many elements/],
    'st-bad-dtype.safetensors': [safetensorsBytes(tensor({ dtype: '\u001b[31m', shape: [], data_offsets: [0, 0] })), /dtype/],
    'st-metadata-array.safetensors': [safetensorsBytes(JSON.stringify({ __metadata__: [1] })), /__metadata__/],
    'gguf-empty.gguf': [Buffer.alloc(0), /too short/],
    'gguf-wrong-magic.gguf': [Buffer.concat([Buffer.from('GGML'), validGguf.subarray(4)]), /magic/],
    'gguf-version-1.gguf': [Buffer.concat([Buffer.from('GGUF'), u32le(1), validGguf.subarray(8)]), /version 1/],
    'gguf-big-endian.gguf': [Buffer.concat([Buffer.from('GGUF'), Buffer.from([0, 0, 0, 3]), validGguf.subarray(8)]), /big-endian/],
    'gguf-truncated.gguf': [validGguf.subarray(0, 100), /ends inside the header/],
    'gguf-kv-count.gguf': [Buffer.concat([ggufPreamble({ version: 3, tensorCount: 0, kvCount: 2n ** 63n }), ggufKv('a', { type: 'u8', value: 1 })]), /metadata count/],
    'gguf-tensor-count.gguf': [ggufBytes([], U64_MAX), /tensor count/],
    'gguf-long-key.gguf': [ggufBytes([Buffer.concat([u64le(2n ** 40n), Buffer.from('key')])]), /key/],
    'gguf-huge-string.gguf': [ggufBytes([Buffer.concat([ggufString('general.name'), u32le(GGUF_STRING), u64le(2n ** 63n), Buffer.from('x')])]), /past the end/],
    'gguf-huge-skipped-string.gguf': [ggufBytes([Buffer.concat([ggufString('general.desc'), u32le(GGUF_STRING), u64le(U64_MAX)])]), /past the end/],
    'gguf-absurd-string-array.gguf': [ggufBytes([Buffer.concat([ggufString('tokenizer.ggml.tokens'), u32le(GGUF_ARRAY), u32le(GGUF_STRING), u64le(2n ** 62n), ggufString('a')])]), /array of/],
    'gguf-absurd-u8-array.gguf': [ggufBytes([Buffer.concat([ggufString('x'), u32le(GGUF_ARRAY), u32le(0), u64le(U64_MAX)])]), /past the end/],
    'gguf-absurd-array-array.gguf': [ggufBytes([Buffer.concat([ggufString('x'), u32le(GGUF_ARRAY), u32le(GGUF_ARRAY), u64le(2n ** 60n)])]), /array of/],
    'gguf-string-lengths-lie.gguf': [ggufBytes([Buffer.concat([ggufString('x'), u32le(GGUF_ARRAY), u32le(GGUF_STRING), u64le(2), u64le(1), Buffer.from('a'), u64le(2n ** 50n)])]), /past the end/],
    'gguf-nested.gguf': [ggufBytes([nestedArrays(100)]), /nested/],
    'gguf-unknown-type.gguf': [ggufBytes([Buffer.concat([ggufString('x'), u32le(99), u64le(0)])]), /value type 99/],
    'gguf-unknown-item-type.gguf': [ggufBytes([Buffer.concat([ggufString('x'), u32le(GGUF_ARRAY), u32le(77), u64le(1), u64le(0)])]), /item type 77/],
    'gguf-many-dims.gguf': [ggufBytes([], 1, [ggufString('t'), u32le(1000), Buffer.alloc(64)]), /1000 dimensions/],
    'gguf-claims-weights.gguf': [ggufBytes([], 1, [ggufString('t'), u32le(2), u64le(2n ** 40n), u64le(2n ** 20n), u32le(0), u64le(0)]), /more weights/]
  }
}

test('hostile and corrupt files are reported as unreadable, never thrown, never over-allocated', async t => {
  const root = await tempDir(t)
  await writeSafetensors(join(root, 'valid.safetensors'), [{ name: 'w', dtype: 'F16', shape: [4, 4] }])
  await writeGguf(join(root, 'valid.gguf'), { architecture: 'llama', fileType: 15, vocabSize: 10, tensors: [{ name: 'w', shape: [32], type: 'F32' }] })
  const cases = hostileFiles(await readFile(join(root, 'valid.safetensors')), await readFile(join(root, 'valid.gguf')))
  for (const [name, [bytes]] of Object.entries(cases)) await writeFile(join(root, name), bytes)
  await writeFile(join(root, 'config.json'), '{"model_type": "llama",')

  const files = [...Object.entries(cases).map(([path, [bytes]]) => ({ path, size: bytes.length })), { path: 'config.json', size: 23 }]
  const largestFile = Math.max(...files.map(file => file.size))
  const alloc = t.mock.method(Buffer, 'alloc')
  const allocUnsafe = t.mock.method(Buffer, 'allocUnsafe')
  const info = await detectFormat(root, files)
  const allocated = [...alloc.mock.calls, ...allocUnsafe.mock.calls].map(call => Number(call.arguments[0]))
  t.mock.restoreAll()

  assert.ok(allocated.length > 0, 'the spies saw the readers allocate')
  assert.ok(Math.max(...allocated) <= largestFile, `largest allocation ${Math.max(...allocated)} bytes`)
  const reasons = new Map((info.unreadable ?? []).map(entry => [entry.path, entry.reason]))
  for (const [name, [, pattern]] of Object.entries(cases)) {
    assert.match(reasons.get(name) ?? '(read without complaint)', pattern, name)
  }
  assert.match(reasons.get('config.json') ?? '', /JSON/)
  assert.equal(reasons.size, Object.keys(cases).length + 1)
  assert.equal(info.safetensors, undefined)
  assert.equal(info.gguf, undefined)
  assert.equal(info.config, undefined)
  assert.deepEqual(JSON.parse(JSON.stringify(info)), info)
})

test('unsafe paths, missing files and oversized configs are unreadable', async t => {
  const root = await tempDir(t)
  await writeFile(join(root, 'config.json'), ' '.repeat(4 * 1024 * 1024 + 1))
  const info = await detectFormat(root, [
    { path: '../outside.safetensors', size: 10 },
    { path: '/etc/passwd.gguf', size: 10 },
    { path: 'missing.gguf', size: 10 },
    { path: 'config.json', size: 4 * 1024 * 1024 + 1 }
  ])
  assert.deepEqual(info, {
    format: 'gguf',
    unreadable: [
      { path: '../outside.safetensors', reason: 'the path is not a plain relative path' },
      { path: '/etc/passwd.gguf', reason: 'the path is not a plain relative path' },
      { path: 'config.json', reason: 'the file is 4194305 bytes, over the 4194304-byte cap' },
      { path: 'missing.gguf', reason: 'cannot open the file: ENOENT' }
    ]
  })
  await assert.rejects(readModelConfig(join(root, 'nope.json')), { code: 'io' })
})

test('fuzz: mangled headers resolve or reject with a SilmarilError, nothing else', async t => {
  const root = await tempDir(t)
  const st = join(root, 'seed.safetensors')
  const gg = join(root, 'seed.gguf')
  await writeSafetensors(st, [{ name: 'a', dtype: 'BF16', shape: [2, 3] }, { name: 'b', dtype: 'F32', shape: [3] }], { k: 'v' })
  await writeGguf(gg, { architecture: 'llama', name: 'n', fileType: 15, contextLength: 4096, vocabSize: 8, extraKv: [['x', { type: 'array', of: 'u64', values: [1, 2] }]], tensors: [{ name: 't', shape: [32, 2], type: 'Q8_0' }] })
  const seeds: Array<[Buffer, (path: string) => Promise<unknown>]> = [
    [await readFile(st), readSafetensorsHeader],
    [await readFile(gg), readGgufHeader]
  ]
  const target = join(root, 'mangled')
  let run = 0
  for (const [seed, read] of seeds) {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.nat(seed.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
      fc.option(fc.nat(seed.length), { nil: undefined }),
      async (edits, cut) => {
        const bytes = Buffer.from(seed)
        for (const [at, value] of edits) bytes[at] = value
        const path = `${target}-${run++}`
        await writeFile(path, cut === undefined ? bytes : bytes.subarray(0, cut))
        try {
          await read(path)
        } catch (err) {
          assert.ok(err instanceof SilmarilError, `threw ${String(err)}`)
        } finally {
          await rm(path)
        }
      }
    ), { numRuns: 400, seed: 42 })
  }
})

test('a GGUF header of many windows is read with bounded memory', async t => {
  const root = await tempDir(t)
  const path = join(root, 'vocab.gguf')
  await writeGguf(path, { architecture: 'gemma2', fileType: 18, contextLength: 8192, vocabSize: 256_000 })
  const size = (await stat(path)).size
  const alloc = t.mock.method(Buffer, 'alloc')
  const header = await readGgufHeader(path)
  const largest = Math.max(...alloc.mock.calls.map(call => Number(call.arguments[0])))
  t.mock.restoreAll()
  assert.ok(alloc.mock.callCount() > 0, 'the spy saw the reader allocate')
  assert.ok(size > 5 * 1024 * 1024)
  assert.ok(largest <= 1024 * 1024, `largest allocation ${largest} bytes`)
  assert.deepEqual(header, { version: 3, tensor_count: 0, architecture: 'gemma2', file_type: 18, quantization: 'Q6_K', context_length: 8192, parameter_count: 0, header_complete: true })
})
