import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { SilmarilError } from '../errors.js'
import { defaultConfigFile, defaultDataDir, expandHome } from '../paths.js'
import { configFromEnv, coerce, type PartialConfig } from './env.js'
import { DEFAULTS, isKnownKey, type SilmarilConfig } from './schema.js'
import { validateConfig } from './validate.js'

export interface ConfigWarning {
  /** The file or variable the warning is about. */
  source: string
  line?: number
  key: string
  message: string
}

export interface ResolveConfigOptions {
  /** `--home`: the data dir. */
  home?: string
  /** `--config`: the config file. */
  config?: string
  /** Values from command-line flags, by dotted key (`daemon.port`); strings are parsed like env values. */
  overrides?: Record<string, unknown>
  env?: NodeJS.ProcessEnv
  homedir?: string
}

export interface ResolvedConfig {
  config: SilmarilConfig
  dataDir: string
  configFile: string
  configFileExists: boolean
  warnings: ConfigWarning[]
}

/** Which config file applies: `--config` > SILMARIL_CONFIG > `<home>/config.yaml` when a home is given > XDG default. */
export function configFilePath (options: ResolveConfigOptions): string {
  const env = options.env ?? process.env
  const home = options.homedir ?? homedir()
  if (options.config !== undefined) return resolve(expandHome(options.config, home))
  const fromEnv = env['SILMARIL_CONFIG']
  if (fromEnv !== undefined && fromEnv !== '') return resolve(expandHome(fromEnv, home))
  const dataHome = options.home ?? env['SILMARIL_HOME']
  if (dataHome !== undefined && dataHome !== '') return join(resolve(expandHome(dataHome, home)), 'config.yaml')
  return defaultConfigFile(env, home)
}

/** Resolves the config: flags > SILMARIL_* env > file > defaults. Throws `config_invalid` naming file, line and key. */
export async function resolveConfig (options: ResolveConfigOptions = {}): Promise<ResolvedConfig> {
  const env = options.env ?? process.env
  const home = options.homedir ?? homedir()
  const configFile = configFilePath(options)
  const warnings: ConfigWarning[] = []

  const text = await readConfigText(configFile)
  // yaml is loaded only when there is a file to parse (~10 ms of start-up otherwise).
  const fileLayer = text === undefined ? {} : (await import('./parse.js')).parseConfigText(text, configFile, warnings)

  const envLayer = configFromEnv(env)
  for (const name of envLayer.unknown) {
    warnings.push({ source: name, key: name, message: `unknown environment variable ${name} is ignored` })
  }
  checkLayer(envLayer.layer, key => envLayer.sources.get(key) ?? key)

  const flagLayer = flagsToLayer(options.overrides ?? {})
  checkLayer(flagLayer, key => `--${key}`)

  const config = mergeLayers([DEFAULTS, fileLayer, envLayer.layer, flagLayer])
  const dataHome = options.home ?? nonEmpty(env['SILMARIL_HOME']) ?? config.storage.base_dir
  const dataDir = resolve(expandHome(dataHome ?? defaultDataDir(home), home))
  config.storage.base_dir = dataDir

  return { config, dataDir, configFile, configFileExists: text !== undefined, warnings }
}

function nonEmpty (value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}

async function readConfigText (file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    if (code === 'EISDIR') throw new SilmarilError('config_invalid', `${file}: is a directory, not a config file`)
    throw new SilmarilError('config_invalid', `${file}: cannot be read (${code ?? String(err)})`, { cause: err })
  }
}

function flagsToLayer (overrides: Record<string, unknown>): PartialConfig {
  const out: Record<string, Record<string, unknown>> = {}
  for (const [dotted, raw] of Object.entries(overrides)) {
    if (raw === undefined) continue
    const [section, key, ...rest] = dotted.split('.')
    if (section === undefined || key === undefined || rest.length > 0 || !isKnownKey(section, key)) {
      throw SilmarilError.usage(`unknown setting "${dotted}"`)
    }
    const like = (DEFAULTS as unknown as Record<string, Record<string, unknown>>)[section]?.[key]
    ;(out[section] ??= {})[key] = typeof raw === 'string' ? coerce(raw, like, `--${dotted}`) : raw
  }
  return out as PartialConfig
}

function checkLayer (layer: PartialConfig, sourceOf: (key: string) => string): void {
  const problem = validateConfig(layer)[0]
  if (problem !== undefined) throw new SilmarilError('config_invalid', `${sourceOf(problem.key)}: ${problem.message}`)
}

function mergeLayers (layers: PartialConfig[]): SilmarilConfig {
  const out = structuredClone(DEFAULTS) as unknown as Record<string, Record<string, unknown>>
  for (const layer of layers) {
    for (const [section, body] of Object.entries(layer)) {
      if (body === undefined) continue
      Object.assign(out[section] ??= {}, structuredClone(body))
    }
  }
  return out as unknown as SilmarilConfig
}
