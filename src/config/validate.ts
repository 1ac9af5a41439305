import type { ErrorObject } from 'ajv'
import validate from './config-validator.js'

export interface ConfigProblem {
  /** Dotted key, e.g. `network.listen_port`. */
  key: string
  path: string[]
  message: string
}

const PIECE_LENGTH_MESSAGE = 'must be 0 (automatic) or a power of two from 16384 (16 KiB) to 16777216 (16 MiB)'

function describe (error: ErrorObject): string {
  const p = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'type': return `must be ${article(String(p['type']))}`
    case 'minimum': return `must be at least ${String(p['limit'])}`
    case 'maximum': return `must be at most ${String(p['limit'])}`
    case 'minLength': return 'must not be empty'
    case 'pattern': return 'has an invalid format'
    default: return error.message ?? 'is invalid'
  }
}

function article (type: string): string {
  if (type === 'integer') return 'a whole number'
  if (type === 'object') return 'a mapping of keys'
  if (type === 'array') return 'a list'
  return `a ${type}`
}

const FORMAT_HINTS: Record<string, string> = {
  'network.bootstrap_nodes': 'each entry must be host:port, e.g. router.example.org:6881',
  'discovery.publishers': 'each entry must be a 64-character hex publisher key',
  'policy.trusted_publishers': 'each entry must be a 64-character hex publisher key',
  'policy.blocked_publishers': 'each entry must be a 64-character hex publisher key',
  'share.default_org': 'letters, digits, ".", "_" and "-", starting with a letter or digit'
}

/** Validates a (partial) config object; returns one problem per offending key. */
export function validateConfig (value: unknown): ConfigProblem[] {
  if (value !== null && typeof value === 'object' && Object.keys(value).length === 0) return []
  if (validate(value)) return []
  const byKey = new Map<string, ConfigProblem>()
  for (const error of validate.errors ?? []) {
    const path = error.instancePath.split('/').slice(1).map(s => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    const keyPath = path.filter(s => !/^\d+$/.test(s))
    const key = keyPath.join('.')
    if (byKey.has(key)) continue
    let message = describe(error)
    if (key === 'torrent.piece_length') message = PIECE_LENGTH_MESSAGE
    else if (error.keyword === 'pattern' && FORMAT_HINTS[key] !== undefined) message = `has an invalid entry: ${FORMAT_HINTS[key]}`
    byKey.set(key, { key, path, message })
  }
  return [...byKey.values()]
}
