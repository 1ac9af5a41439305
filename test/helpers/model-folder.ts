import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeSafetensors } from './model-fixtures.js'

/**
 * A small Hugging Face style model folder: safetensors weights (random, seeded), config.json and
 * tokenizer.json. `hiddenSize` scales the weights: 256 → about 1.6 MB.
 */
export async function writeModelFolder (dir: string, { hiddenSize = 256, seed = 1, modelType = 'llama' } = {}): Promise<string> {
  await mkdir(dir, { recursive: true })
  await writeSafetensors(join(dir, 'model.safetensors'), [
    { name: 'embed.weight', dtype: 'F16', shape: [hiddenSize * 8, hiddenSize] },
    { name: 'layers.0.mlp.weight', dtype: 'F16', shape: [hiddenSize * 4, hiddenSize] },
    { name: 'norm.weight', dtype: 'F32', shape: [hiddenSize] }
  ], { format: 'pt' }, { fill: 'random', seed })
  await writeFile(join(dir, 'config.json'), `${JSON.stringify({ model_type: modelType, architectures: ['LlamaForCausalLM'], hidden_size: hiddenSize }, null, 2)}\n`)
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify({ version: '1.0', model: { type: 'BPE', vocab: { a: 0, b: 1 } } }))
  return dir
}
