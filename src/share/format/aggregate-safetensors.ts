import type { SafetensorsHeader } from './safetensors.js'
import { groupByShard } from './shards.js'
import type { SafetensorsSummary } from './types.js'

export interface SafetensorsFile {
  path: string
  header: SafetensorsHeader
}

/**
 * Takes the safetensors files of a folder together. Shards of one model add up; a shard group
 * with the same tensor and parameter counts as an earlier one is a copy of the same weights
 * (Mistral's `consolidated.safetensors` next to its shards, diffusers' `.fp16` variants) and
 * counts once. Dtypes are those of every file.
 */
export function aggregateSafetensors (files: ReadonlyArray<SafetensorsFile>): SafetensorsSummary {
  const dtypes = new Set(files.flatMap(file => file.header.dtypes))
  const seen = new Set<string>()
  let tensorCount = 0
  let parameterCount = 0
  for (const group of groupByShard(files, file => file.path)) {
    const tensors = group.reduce((sum, file) => sum + file.header.tensor_count, 0)
    const parameters = group.reduce((sum, file) => sum + file.header.parameter_count, 0)
    const key = `${tensors}:${parameters}`
    if (seen.has(key)) continue
    seen.add(key)
    tensorCount += tensors
    parameterCount += parameters
  }
  return { files: files.length, dtypes: [...dtypes].sort(), tensor_count: tensorCount, parameter_count: parameterCount }
}
