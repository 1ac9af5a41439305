import type { ModelFormat, WeightsFormat } from './types.js'

const SUFFIX_FORMATS: ReadonlyArray<[string, WeightsFormat]> = [
  ['.safetensors', 'safetensors'],
  ['.gguf', 'gguf'],
  ['.bin', 'pytorch'],
  ['.pt', 'pytorch'],
  ['.pth', 'pytorch'],
  ['.onnx', 'onnx'],
  ['.onnx_data', 'onnx'],
  ['.onnx.data', 'onnx']
]

/** The weights format of a file by its name, or undefined for files that hold no weights. */
export function weightsFormatOf (path: string): WeightsFormat | undefined {
  const name = path.toLowerCase()
  return SUFFIX_FORMATS.find(([suffix]) => name.endsWith(suffix))?.[1]
}

/**
 * The format holding more than half of the weight bytes; `mixed` when none does, `other` when
 * there are no weight files. A single format counts even when its files are empty.
 */
export function primaryFormat (bytes: ReadonlyMap<WeightsFormat, number>): ModelFormat {
  if (bytes.size === 0) return 'other'
  const entries = [...bytes]
  if (entries.length === 1) return entries[0]![0]
  const total = entries.reduce((sum, [, size]) => sum + size, 0)
  const top = entries.find(([, size]) => size * 2 > total)
  return top === undefined ? 'mixed' : top[0]
}
