import { readSmallFile } from './file-io.js'
import { malformed } from './read-errors.js'
import { cleanText, isPlainObject } from './text.js'

export const MAX_CONFIG_BYTES = 4 * 1024 * 1024
const MAX_TEXT_CHARS = 256
const MAX_ARCHITECTURES = 64

/** The fields of a Hugging Face `config.json` that describe the model. */
export interface ModelConfig {
  model_type?: string
  architectures?: string[]
  torch_dtype?: string
  num_parameters?: number
}

/**
 * Reads a Hugging Face `config.json` of at most {@link MAX_CONFIG_BYTES}. Fields of the wrong
 * type are left out; a file that is not a JSON object rejects with a `bad_request` SilmarilError.
 */
export async function readModelConfig (path: string): Promise<ModelConfig> {
  const bytes = await readSmallFile(path, MAX_CONFIG_BYTES)
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw malformed('config.json is not valid UTF-8 JSON')
  }
  if (!isPlainObject(parsed)) throw malformed('config.json is not a JSON object')

  const config: ModelConfig = {}
  const modelType = cleanText(parsed.model_type, MAX_TEXT_CHARS)
  if (modelType !== undefined) config.model_type = modelType
  if (Array.isArray(parsed.architectures)) {
    const architectures = parsed.architectures.slice(0, MAX_ARCHITECTURES)
      .map(value => cleanText(value, MAX_TEXT_CHARS))
      .filter(value => value !== undefined)
    if (architectures.length > 0) config.architectures = architectures
  }
  // transformers 4.56 renamed `torch_dtype` to `dtype` and prefers `dtype` when both are set.
  const dtype = cleanText(parsed.dtype, MAX_TEXT_CHARS) ?? cleanText(parsed.torch_dtype, MAX_TEXT_CHARS)
  if (dtype !== undefined) config.torch_dtype = dtype
  const parameters = parsed.num_parameters
  if (Number.isSafeInteger(parameters) && (parameters as number) > 0) config.num_parameters = parameters as number
  return config
}
