export { autoTags } from './auto-tags.js'
export { MAX_CONFIG_BYTES, readModelConfig, type ModelConfig } from './config-json.js'
export { detectFormat } from './detect.js'
export { MAX_GGUF_HEADER_BYTES, readGgufHeader, type GgufHeader, type GgufReadOptions } from './gguf.js'
export { quantizationName } from './gguf-ftype.js'
export { parameterBucket } from './parameter-bucket.js'
export { MAX_SAFETENSORS_HEADER_BYTES, readSafetensorsHeader, type SafetensorsHeader } from './safetensors.js'
export type {
  ConfigSummary,
  FormatInfo,
  GgufSummary,
  ModelFile,
  ModelFormat,
  SafetensorsSummary,
  UnreadableFile,
  WeightsFormat
} from './types.js'
