export { DEFAULTS, CONFIG_SCHEMA, type SilmarilConfig } from './schema.js'
export { resolveConfig, configFilePath, type ResolvedConfig, type ResolveConfigOptions, type ConfigWarning } from './load.js'
export { parseConfigText } from './parse.js'
export { renderConfig } from './render.js'
