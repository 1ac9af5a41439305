import { stringify } from 'yaml'
import type { SilmarilConfig } from './schema.js'

const HEADER = `# Silmaril configuration.
# Precedence: command-line flags > SILMARIL_<SECTION>_<KEY> environment variables > this file > defaults.
# network.bootstrap_nodes: host:port of DHT routers; an empty list joins through none.
`

/** The YAML `silmaril init` writes: every key with its value, so people can see what to change. */
export function renderConfig (config: SilmarilConfig): string {
  return HEADER + stringify(config, { lineWidth: 0 })
}
