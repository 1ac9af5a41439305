import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** A small safetensors model folder for benchmarks: config.json and `bytes` of F16 weights. */
export async function writeBenchModel (dir: string, bytes = 4 * 1024 * 1024): Promise<void> {
  await mkdir(dir, { recursive: true })
  const header = Buffer.from(JSON.stringify({ 'model.embed.weight': { dtype: 'F16', shape: [bytes / 2 / 1024, 1024], data_offsets: [0, bytes] } }))
  const padded = Buffer.concat([header, Buffer.alloc((8 - (header.length % 8)) % 8, 0x20)])
  const length = Buffer.alloc(8)
  length.writeBigUInt64LE(BigInt(padded.length))
  const weights = Buffer.alloc(bytes)
  for (let i = 0; i + 4 <= weights.length; i += 4) weights.writeUInt32LE((i * 2654435761) >>> 0, i)
  await writeFile(join(dir, 'model.safetensors'), Buffer.concat([length, padded, weights]))
  await writeFile(join(dir, 'config.json'), JSON.stringify({ model_type: 'llama' }))
}
