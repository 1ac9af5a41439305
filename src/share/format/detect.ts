import { join } from 'node:path'
import { SilmarilError } from '../../errors.js'
import { logger } from '../../log.js'
import { aggregateSafetensors, type SafetensorsFile } from './aggregate-safetensors.js'
import { readModelConfig } from './config-json.js'
import { readGgufHeader } from './gguf.js'
import { readSafetensorsHeader } from './safetensors.js'
import type { ConfigSummary, FormatInfo, GgufSummary, ModelFile, UnreadableFile, WeightsFormat } from './types.js'
import { primaryFormat, weightsFormatOf } from './weights-format.js'

const log = logger('format')
const CONFIG_PATH = 'config.json'

/**
 * Detects the format of a model folder from the headers of its files, never reading whole
 * weight files. `files` are posix paths relative to `root` with their sizes; the format is the
 * one holding most weight bytes (see `primaryFormat`). Files that cannot be read or are not
 * well-formed are listed under `unreadable` with a reason: this never rejects because of what a
 * file contains.
 */
export async function detectFormat (root: string, files: ReadonlyArray<ModelFile>): Promise<FormatInfo> {
  const sorted = [...files].sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
  const bytes = new Map<WeightsFormat, number>()
  for (const file of sorted) {
    const format = weightsFormatOf(file.path)
    if (format === undefined) continue
    const size = Number.isSafeInteger(file.size) && file.size > 0 ? file.size : 0
    bytes.set(format, (bytes.get(format) ?? 0) + size)
  }

  const unreadable: UnreadableFile[] = []
  const read = async <T>(path: string, reader: (absolute: string) => Promise<T>): Promise<T | undefined> => {
    try {
      return await reader(absolutePath(root, path))
    } catch (err) {
      const reason = reasonOf(err)
      log('unreadable %s: %s', path, reason)
      unreadable.push({ path, reason })
      return undefined
    }
  }

  const safetensors: SafetensorsFile[] = []
  const gguf: GgufSummary[] = []
  let config: ConfigSummary | undefined
  for (const { path } of sorted) {
    const format = weightsFormatOf(path)
    if (format === 'safetensors') {
      const header = await read(path, readSafetensorsHeader)
      if (header !== undefined) safetensors.push({ path, header })
    } else if (format === 'gguf') {
      const header = await read(path, readGgufHeader)
      if (header !== undefined) gguf.push({ path, ...pick(header, ['architecture', 'quantization', 'context_length', 'parameter_count']) })
    } else if (path === CONFIG_PATH) {
      const parsed = await read(path, readModelConfig)
      if (parsed !== undefined) config = pick(parsed, ['model_type', 'architectures'])
    }
  }

  const info: FormatInfo = { format: primaryFormat(bytes) }
  if (safetensors.length > 0) info.safetensors = aggregateSafetensors(safetensors)
  if (gguf.length > 0) info.gguf = gguf
  if (config !== undefined && Object.keys(config).length > 0) info.config = config
  if (unreadable.length > 0) info.unreadable = unreadable
  return info
}

function absolutePath (root: string, path: string): string {
  const segments = path.split('/')
  if (path.startsWith('/') || segments.some(segment => segment === '..' || segment === '')) {
    throw SilmarilError.badRequest('the path is not a plain relative path')
  }
  return join(root, ...segments)
}

function reasonOf (err: unknown): string {
  if (err instanceof SilmarilError) return err.message
  log('unexpected error while reading a header: %O', err)
  return 'unexpected error while reading the header'
}

/** The listed keys of `source` that are set, so no undefined reaches the manifest. */
function pick<T extends object, K extends keyof T> (source: T, keys: readonly K[]): Pick<T, K> {
  const picked: Partial<Pick<T, K>> = {}
  for (const key of keys) {
    if (source[key] !== undefined) picked[key] = source[key]
  }
  return picked as Pick<T, K>
}
