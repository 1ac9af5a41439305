/** The formats a model folder can be in; `mixed` when no format holds most of the model bytes. */
export type ModelFormat = 'safetensors' | 'gguf' | 'pytorch' | 'onnx' | 'mixed' | 'other'

/** A file format that holds weights. */
export type WeightsFormat = 'safetensors' | 'gguf' | 'pytorch' | 'onnx'

/** All readable safetensors files of a folder, taken together (see `aggregateSafetensors`). */
export interface SafetensorsSummary {
  /** How many safetensors files were read. */
  files: number
  dtypes: string[]
  tensor_count: number
  parameter_count: number
}

export interface GgufSummary {
  path: string
  architecture?: string
  quantization?: string
  context_length?: number
  parameter_count?: number
}

export interface ConfigSummary {
  model_type?: string
  architectures?: string[]
}

export interface UnreadableFile {
  path: string
  reason: string
}

/**
 * Format metadata of a model folder, as it goes into the signed manifest: plain JSON, absent
 * keys omitted, never undefined or NaN.
 */
export interface FormatInfo {
  format: ModelFormat
  safetensors?: SafetensorsSummary
  gguf?: GgufSummary[]
  config?: ConfigSummary
  unreadable?: UnreadableFile[]
}

/** A file of a model folder: a posix path relative to the folder, and its size in bytes. */
export interface ModelFile {
  path: string
  size: number
}
