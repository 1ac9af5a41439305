import { parameterBucket } from './parameter-bucket.js'
import { groupByShard } from './shards.js'
import type { FormatInfo } from './types.js'

const MAX_TAG_CHARS = 64
const FLOAT_DTYPE = /^(F|BF)\d/

/**
 * Tags that describe a model folder from its format metadata: lowercase, sorted, unique. They
 * name the formats, GGUF quantizations and architectures, the `config.json` model_type, the
 * floating-point safetensors dtypes and a size bucket (see {@link parameterBucket}) such as
 * '8b' or '135m'.
 */
export function autoTags (info: FormatInfo): string[] {
  const raw: string[] = []
  if (info.format !== 'mixed' && info.format !== 'other') raw.push(info.format)
  if (info.safetensors !== undefined) {
    raw.push('safetensors', ...info.safetensors.dtypes.filter(dtype => FLOAT_DTYPE.test(dtype)))
  }
  for (const file of info.gguf ?? []) {
    raw.push('gguf')
    if (file.quantization !== undefined) raw.push(file.quantization)
    if (file.architecture !== undefined) raw.push(file.architecture)
  }
  if (info.config?.model_type !== undefined) raw.push(info.config.model_type)
  const size = parameterBucket(parameterCount(info) ?? 0)
  if (size !== undefined) raw.push(size)

  const tags = new Set(raw.map(normalizeTag).filter(tag => tag !== ''))
  return [...tags].sort()
}

/**
 * The parameter count of the primary format. GGUF files of a folder are usually the same model
 * quantized several ways, so the GGUF count is that of the largest file, shards added up.
 */
function parameterCount (info: FormatInfo): number | undefined {
  const safetensors = info.safetensors?.parameter_count
  const groups = groupByShard(info.gguf ?? [], file => file.path)
    .map(group => group.reduce((sum, file) => sum + (file.parameter_count ?? 0), 0))
  const gguf = groups.length > 0 ? Math.max(...groups) : undefined
  const ordered = info.format === 'gguf' ? [gguf, safetensors] : [safetensors, gguf]
  return ordered.find(count => count !== undefined && count > 0)
}

function normalizeTag (value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, MAX_TAG_CHARS)
}
