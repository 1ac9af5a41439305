import { SilmarilError } from '../errors.js'
import { CONFIG_SECTIONS, DEFAULTS, type SilmarilConfig } from './schema.js'

/** SILMARIL_* variables that are not config keys. */
export const RESERVED_ENV = new Set(['SILMARIL_HOME', 'SILMARIL_CONFIG', 'SILMARIL_DAEMON_URL', 'SILMARIL_TOKEN'])

export type PartialConfig = { [S in keyof SilmarilConfig]?: Partial<SilmarilConfig[S]> }

export interface EnvLayer {
  layer: PartialConfig
  /** `section.key` → the variable that set it, to name it in errors. */
  sources: Map<string, string>
  unknown: string[]
}

/** Reads `SILMARIL_<SECTION>_<KEY>` variables, typed after the defaults. */
export function configFromEnv (env: NodeJS.ProcessEnv): EnvLayer {
  const layer: Record<string, Record<string, unknown>> = {}
  const sources = new Map<string, string>()
  const unknown: string[] = []
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('SILMARIL_') || RESERVED_ENV.has(name) || raw === undefined) continue
    const found = matchKey(name.slice('SILMARIL_'.length).toLowerCase())
    if (found === undefined) { unknown.push(name); continue }
    const [section, key] = found
    const sectionLayer = (layer[section] ??= {})
    sectionLayer[key] = coerce(raw, (DEFAULTS as unknown as Record<string, Record<string, unknown>>)[section]?.[key], name)
    sources.set(`${section}.${key}`, name)
  }
  return { layer: layer as PartialConfig, sources, unknown }
}

function matchKey (rest: string): [string, string] | undefined {
  for (const section of CONFIG_SECTIONS) {
    if (!rest.startsWith(`${section}_`)) continue
    const key = rest.slice(section.length + 1)
    if (Object.hasOwn(DEFAULTS[section], key)) return [section, key]
  }
  return undefined
}

/** Parses a string the way the default value of the key is typed. */
export function coerce (raw: string, like: unknown, source: string): unknown {
  const value = raw.trim()
  if (typeof like === 'boolean') {
    if (/^(true|1|yes|on)$/i.test(value)) return true
    if (/^(false|0|no|off)$/i.test(value)) return false
    throw new SilmarilError('config_invalid', `${source}: expected true or false, got "${raw}"`)
  }
  if (typeof like === 'number') {
    const n = Number(value)
    if (value === '' || !Number.isFinite(n)) throw new SilmarilError('config_invalid', `${source}: expected a number, got "${raw}"`)
    return n
  }
  if (Array.isArray(like)) return value === '' ? [] : value.split(',').map(s => s.trim()).filter(s => s !== '')
  return raw
}
