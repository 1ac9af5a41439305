export { DEFAULTS, CONFIG_SCHEMA, type SilmarilConfig } from './schema.js'
export { resolveConfig, configFilePath, parseConfigText, type ResolvedConfig, type ResolveConfigOptions, type ConfigWarning } from './load.js'
export { renderConfig } from './render.js'
