import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import {
  autoTags,
  detectFormat,
  parameterBucket,
  quantizationName,
  readGgufHeader,
  readModelConfig,
  readSafetensorsHeader,
  type FormatInfo
} from '../../src/share/format/index.js'
import { writeGguf, writeSafetensors, type GgufFixture } from '../helpers/model-fixtures.js'

const Q4_K_M = 15
const LLAMA_3_8B_SHAPE = [4096, 245_056]
const LLAMA_3_8B_PARAMS = 8 * 4096 * 245_056

async function tempDir (t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'silmaril-format-'))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

async function listFiles (root: string, paths: string[]): Promise<Array<{ path: string, size: number }>> {
  return await Promise.all(paths.map(async path => ({ path, size: (await stat(join(root, path))).size })))
}

function llama (overrides: Partial<GgufFixture> = {}): GgufFixture {
  return {
    architecture: 'llama',
    name: 'Tiny Llama',
    fileType: Q4_K_M,
    contextLength: 8192,
    tensors: [
      { name: 'token_embd.weight', shape: [256, 64], type: 'Q4_K' },
      { name: 'output_norm.weight', shape: [256] }
    ],
    ...overrides
  }
}

test('safetensors: dtypes, tensor and parameter counts, metadata', async t => {
  const dir = await tempDir(t)
  const path = join(dir, 'model.safetensors')
  const written = await writeSafetensors(path, [
    { name: 'embed.weight', dtype: 'BF16', shape: [32, 16] },
    { name: 'norm.weight', dtype: 'F32', shape: [16] },
    { name: 'layers.0.weight', dtype: 'BF16', shape: [16, 16] },
    { name: 'step', dtype: 'I64', shape: [] }
  ], { format: 'pt' })
  assert.equal((await stat(path)).size, written.size)
  const header = await readSafetensorsHeader(path)
  assert.deepEqual(header, {
    dtypes: ['BF16', 'F32', 'I64'],
    tensor_count: 4,
    parameter_count: 32 * 16 + 16 + 16 * 16 + 1,
    metadata: { format: 'pt' }
  })
})

test('safetensors fixtures: random fill is deterministic per seed, zero fill is zeros', async t => {
  const dir = await tempDir(t)
  const tensors = [{ name: 'w', dtype: 'F16', shape: [1024, 1024] }]
  const a = await writeSafetensors(join(dir, 'a.safetensors'), tensors, undefined, { fill: 'random', seed: 7 })
  await writeSafetensors(join(dir, 'b.safetensors'), tensors, undefined, { fill: 'random', seed: 7 })
  await writeSafetensors(join(dir, 'c.safetensors'), tensors, undefined, { fill: 'random', seed: 8 })
  await writeSafetensors(join(dir, 'z.safetensors'), tensors)
  const [bytesA, bytesB, bytesC, bytesZ] = await Promise.all(['a', 'b', 'c', 'z'].map(async name => await readFile(join(dir, `${name}.safetensors`))))
  assert.equal(a.size, a.dataOffset + 2 * 1024 * 1024)
  assert.ok(bytesA!.equals(bytesB!))
  assert.ok(!bytesA!.equals(bytesC!))
  assert.ok(bytesZ!.subarray(a.dataOffset).every(byte => byte === 0))
  assert.ok(bytesA!.subarray(a.dataOffset).some(byte => byte !== 0))
  assert.equal((await readSafetensorsHeader(join(dir, 'a.safetensors'))).parameter_count, 1024 * 1024)
})

test('gguf: architecture, name, quantization, context length, tensors, skipping a big vocabulary', async t => {
  const dir = await tempDir(t)
  const path = join(dir, 'tiny.gguf')
  // 150k tokens make a header of about 3 MiB, several read windows long.
  await writeGguf(path, llama({
    vocabSize: 150_000,
    extraKv: [
      ['mistral.context_length', { type: 'u32', value: 32768 }],
      ['llama.rope.freq_base', { type: 'f32', value: 500000 }],
      ['general.tags', { type: 'array', of: 'string', values: ['a', 'b'] }],
      ['general.flag', { type: 'bool', value: true }],
      ['general.big', { type: 'u64', value: 2n ** 63n }]
    ]
  }))
  assert.deepEqual(await readGgufHeader(path), {
    version: 3,
    tensor_count: 2,
    architecture: 'llama',
    name: 'Tiny Llama',
    file_type: 15,
    quantization: 'Q4_K_M',
    context_length: 8192,
    parameter_count: 256 * 64 + 256,
    header_complete: true
  })
})

test('gguf: version 2, u64 context length, F16 and BF16 file types, no architecture', async t => {
  const dir = await tempDir(t)
  const v2 = join(dir, 'v2.gguf')
  await writeGguf(v2, { version: 2, architecture: 'qwen2', fileType: 1, extraKv: [['qwen2.context_length', { type: 'u64', value: 131072n }]] })
  const header = await readGgufHeader(v2)
  assert.equal(header.version, 2)
  assert.equal(header.quantization, 'F16')
  assert.equal(header.context_length, 131072)
  assert.equal(header.parameter_count, 0)

  const bare = join(dir, 'bare.gguf')
  await writeGguf(bare, { fileType: 32, extraKv: [['llama.context_length', { type: 'u32', value: 4096 }]] })
  assert.deepEqual(await readGgufHeader(bare), { version: 3, tensor_count: 0, file_type: 32, quantization: 'BF16', parameter_count: 0, header_complete: true })

  const unknown = join(dir, 'unknown.gguf')
  await writeGguf(unknown, { architecture: 'llama', fileType: 999, name: 'x'.repeat(70_000) })
  const odd = await readGgufHeader(unknown)
  assert.equal(odd.file_type, 999)
  assert.equal(odd.quantization, undefined)
  assert.equal(odd.name, undefined, 'names past the cap are skipped, not read')
})

test('gguf: a header past the read bound yields what came before it', async t => {
  const dir = await tempDir(t)
  const path = join(dir, 'big-vocab.gguf')
  await writeGguf(path, llama({ vocabSize: 50_000 }))
  const header = await readGgufHeader(path, { maxHeaderBytes: 64 * 1024 })
  assert.equal(header.header_complete, false)
  assert.equal(header.architecture, 'llama')
  assert.equal(header.quantization, 'Q4_K_M')
  assert.equal(header.context_length, undefined, 'written after the vocabulary')
  assert.equal(header.parameter_count, undefined)
  await assert.rejects(readGgufHeader(path, { maxHeaderBytes: 10 }), { code: 'bad_request' })
})

test('quantization names follow llama.cpp llama_ftype', () => {
  const expected: Array<[number, string | undefined]> = [
    [0, 'F32'], [1, 'F16'], [2, 'Q4_0'], [3, 'Q4_1'], [4, undefined], [7, 'Q8_0'], [10, 'Q2_K'],
    [12, 'Q3_K_M'], [15, 'Q4_K_M'], [17, 'Q5_K_M'], [18, 'Q6_K'], [21, 'Q2_K_S'], [23, 'IQ3_XXS'],
    [30, 'IQ4_XS'], [31, 'IQ1_M'], [32, 'BF16'], [33, undefined], [36, 'TQ1_0'], [37, 'TQ2_0'], [1024, undefined]
  ]
  for (const [fileType, name] of expected) assert.equal(quantizationName(fileType), name, `file type ${fileType}`)
})

test('config.json: model fields, dtype precedence, wrong types left out', async t => {
  const dir = await tempDir(t)
  const path = join(dir, 'config.json')
  await writeFile(path, JSON.stringify({ model_type: 'mistral', architectures: ['MistralForCausalLM', 7], torch_dtype: 'float16', dtype: 'bfloat16', num_parameters: 7e9 }))
  assert.deepEqual(await readModelConfig(path), { model_type: 'mistral', architectures: ['MistralForCausalLM'], torch_dtype: 'bfloat16', num_parameters: 7e9 })
  await writeFile(path, '\ufeff' + JSON.stringify({ model_type: 12, architectures: 'Llama', torch_dtype: 'float32', num_parameters: -1 }))
  assert.deepEqual(await readModelConfig(path), { torch_dtype: 'float32' })
  await writeFile(path, '[1, 2]')
  await assert.rejects(readModelConfig(path), { code: 'bad_request' })
})

test('detect: safetensors shards add up, config is read, other files are ignored', async t => {
  const root = await tempDir(t)
  await writeSafetensors(join(root, 'model-00001-of-00002.safetensors'), [{ name: 'a', dtype: 'BF16', shape: [100, 10] }])
  await writeSafetensors(join(root, 'model-00002-of-00002.safetensors'), [{ name: 'b', dtype: 'BF16', shape: [50, 10] }, { name: 'n', dtype: 'F32', shape: [10] }])
  await writeFile(join(root, 'config.json'), JSON.stringify({ model_type: 'llama', architectures: ['LlamaForCausalLM'], torch_dtype: 'bfloat16' }))
  await writeFile(join(root, 'tokenizer.json'), '{}')
  await writeFile(join(root, 'README.md'), '# model')
  const info = await detectFormat(root, await listFiles(root, ['README.md', 'config.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'tokenizer.json']))
  assert.deepEqual(info, {
    format: 'safetensors',
    safetensors: { files: 2, dtypes: ['BF16', 'F32'], tensor_count: 3, parameter_count: 1510 },
    config: { model_type: 'llama', architectures: ['LlamaForCausalLM'] }
  })
  assertPlainJson(info)
})

test('detect: a consolidated copy of sharded weights counts once', async t => {
  const root = await tempDir(t)
  await writeSafetensors(join(root, 'consolidated.safetensors'), [{ name: 'layers.0.wq', dtype: 'BF16', shape: [64, 64] }, { name: 'norm', dtype: 'BF16', shape: [64] }])
  await writeSafetensors(join(root, 'model-00001-of-00002.safetensors'), [{ name: 'model.layers.0.q_proj', dtype: 'BF16', shape: [64, 64] }])
  await writeSafetensors(join(root, 'model-00002-of-00002.safetensors'), [{ name: 'model.norm', dtype: 'BF16', shape: [64] }])
  const info = await detectFormat(root, await listFiles(root, ['consolidated.safetensors', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']))
  assert.deepEqual(info.safetensors, { files: 3, dtypes: ['BF16'], tensor_count: 2, parameter_count: 64 * 64 + 64 })
})

test('detect: the primary format is the one with most weight bytes, else mixed', async t => {
  const root = await tempDir(t)
  await mkdir(join(root, 'gguf'))
  await writeSafetensors(join(root, 'model.safetensors'), [{ name: 'w', dtype: 'F32', shape: [1000, 1000] }])
  await writeGguf(join(root, 'gguf', 'model-q4_k_m.gguf'), llama())
  await writeFile(join(root, 'pytorch_model.bin'), Buffer.alloc(4_000_100))
  await writeFile(join(root, 'model.onnx'), Buffer.alloc(10))

  const detect = async (paths: string[]): Promise<FormatInfo> => await detectFormat(root, await listFiles(root, paths))
  assert.equal((await detect(['model.safetensors', 'gguf/model-q4_k_m.gguf'])).format, 'safetensors')
  const mixed = await detect(['model.safetensors', 'pytorch_model.bin', 'gguf/model-q4_k_m.gguf'])
  assert.equal(mixed.format, 'mixed')
  assert.equal(mixed.safetensors?.tensor_count, 1)
  assert.deepEqual(mixed.gguf, [{ path: 'gguf/model-q4_k_m.gguf', architecture: 'llama', quantization: 'Q4_K_M', context_length: 8192, parameter_count: 256 * 64 + 256 }])
  assert.deepEqual(await detect(['pytorch_model.bin', 'model.onnx']), { format: 'pytorch' })
  assert.deepEqual(await detect(['model.onnx']), { format: 'onnx' })
  assert.deepEqual(await detect(['gguf/model-q4_k_m.gguf']), { format: 'gguf', gguf: mixed.gguf })
  assert.deepEqual(await detectFormat(root, [{ path: 'README.md', size: 10 }]), { format: 'other' })
})

test('auto tags: a Llama 3 8B Q4_K_M GGUF', async t => {
  const root = await tempDir(t)
  // 8 tensors of 4096 × 245,056 Q4_K weights, about 4.5 GB of data written as a sparse file.
  const tensors = Array.from({ length: 8 }, (_, i) => ({ name: `blk.${i}.weight`, shape: LLAMA_3_8B_SHAPE, type: 'Q4_K' as const }))
  await writeGguf(join(root, 'llama-3-8b-q4_k_m.gguf'), llama({ tensors, fill: 'sparse', vocabSize: 1000 }))
  const info = await detectFormat(root, await listFiles(root, ['llama-3-8b-q4_k_m.gguf']))
  assert.equal(info.gguf?.[0]?.parameter_count, LLAMA_3_8B_PARAMS)
  assert.deepEqual(autoTags(info), ['8b', 'gguf', 'llama', 'q4_k_m'])
})

test('auto tags: safetensors with config, mixed, split and multi-quant GGUF', () => {
  assert.deepEqual(autoTags({
    format: 'safetensors',
    safetensors: { files: 3, dtypes: ['BF16', 'F32', 'I64'], tensor_count: 291, parameter_count: 7_241_732_096 },
    config: { model_type: 'Mistral', architectures: ['MistralForCausalLM'] }
  }), ['7b', 'bf16', 'f32', 'mistral', 'safetensors'])
  assert.deepEqual(autoTags({
    format: 'gguf',
    gguf: [
      { path: 'q8/m-00001-of-00002.gguf', architecture: 'qwen2', quantization: 'Q8_0', parameter_count: 300e6 },
      { path: 'q8/m-00002-of-00002.gguf', parameter_count: 194e6 },
      { path: 'm-q4_k_m.gguf', architecture: 'qwen2', quantization: 'Q4_K_M', parameter_count: 494e6 }
    ]
  }), ['0.5b', 'gguf', 'q4_k_m', 'q8_0', 'qwen2'])
  assert.deepEqual(autoTags({ format: 'mixed' }), [])
  assert.deepEqual(autoTags({ format: 'other', config: { model_type: 'Weird Type!' } }), ['weird-type'])
})

test('parameter buckets read like Hugging Face model names', () => {
  const expected: Array<[number, string | undefined]> = [
    [405.9e9, '405b'], [70.55e9, '70b'], [13.0e9, '13b'], [10e9, '10b'], [9.24e9, '9b'], [8.03e9, '8b'],
    [7.24e9, '7b'], [6.74e9, '7b'], [3.21e9, '3b'], [2.61e9, '2.6b'], [1.54e9, '1.5b'], [1.1e9, '1.1b'],
    [1e9, '1b'], [0.494e9, '0.5b'], [361.8e6, '362m'], [134.5e6, '135m'], [1e6, '1m'], [999_999, undefined],
    [Number.NaN, undefined], [Number.POSITIVE_INFINITY, undefined]
  ]
  for (const [count, bucket] of expected) assert.equal(parameterBucket(count), bucket, `${count}`)
})

function assertPlainJson (value: unknown): void {
  assert.deepEqual(JSON.parse(JSON.stringify(value)), value)
}
