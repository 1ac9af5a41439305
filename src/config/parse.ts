import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml'
import { SilmarilError } from '../errors.js'
import type { PartialConfig } from './env.js'
import type { ConfigWarning } from './load.js'
import { CONFIG_SECTIONS, isKnownKey } from './schema.js'
import { validateConfig } from './validate.js'

/** Parses and validates the YAML of a config file; problems name the file, the line and the key. */
export function parseConfigText (text: string, file: string, warnings: ConfigWarning[] = []): PartialConfig {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  const firstError = doc.errors[0]
  if (firstError !== undefined) {
    const line = lineCounter.linePos(firstError.pos[0]).line
    const reason = firstError.message.split('\n')[0] ?? 'invalid YAML'
    throw SilmarilError.configInvalid(file, line, '', `invalid YAML: ${reason}`)
  }
  if (doc.contents === null) return {}
  if (!isMap(doc.contents)) {
    throw SilmarilError.configInvalid(file, lineOf(doc, [], lineCounter), '', 'must be a mapping of sections (storage:, network:, daemon:, ...)')
  }
  const value = doc.toJS() as Record<string, unknown>

  for (const [section, body] of Object.entries(value)) {
    if (!isKnownKey(section)) {
      warnings.push({ source: file, line: lineOf(doc, [section], lineCounter), key: section, message: `unknown section "${section}" is ignored` })
      continue
    }
    if (body === null) continue
    if (typeof body !== 'object' || Array.isArray(body)) continue
    for (const key of Object.keys(body)) {
      if (!isKnownKey(section, key)) {
        warnings.push({ source: file, line: lineOf(doc, [section, key], lineCounter), key: `${section}.${key}`, message: `unknown key "${section}.${key}" is ignored` })
      }
    }
  }
  for (const section of Object.keys(value)) if (value[section] === null) value[section] = {}

  const problem = validateConfig(value)[0]
  if (problem !== undefined) {
    throw SilmarilError.configInvalid(file, lineOf(doc, problem.path, lineCounter), problem.key, problem.message)
  }
  return pickKnown(value)
}

/** The line of the deepest node on `path` that exists: a key's own line, or a list item's. */
function lineOf (doc: Document, path: string[], lineCounter: LineCounter): number | undefined {
  let node: unknown = doc.contents
  let line = rangeLine(node, lineCounter)
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find(item => isScalar(item.key) && String(item.key.value) === segment)
      if (pair === undefined) break
      line = rangeLine(pair.key, lineCounter) ?? line
      node = pair.value
    } else if (isSeq(node) && /^\d+$/.test(segment)) {
      node = node.items[Number(segment)]
      line = rangeLine(node, lineCounter) ?? line
    } else {
      break
    }
  }
  return line
}

function rangeLine (node: unknown, lineCounter: LineCounter): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range
  return range === undefined ? undefined : lineCounter.linePos(range[0]).line
}

function pickKnown (value: Record<string, unknown>): PartialConfig {
  const out: Record<string, Record<string, unknown>> = {}
  for (const section of CONFIG_SECTIONS) {
    const body = value[section]
    if (body === null || typeof body !== 'object') continue
    for (const [key, v] of Object.entries(body)) {
      if (isKnownKey(section, key)) (out[section] ??= {})[key] = v
    }
  }
  return out as PartialConfig
}
