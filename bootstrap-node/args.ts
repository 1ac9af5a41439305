import { isIP } from 'node:net'
import { join, resolve } from 'node:path'
import { homedir } from 'node:os'
import { parseArgs } from 'node:util'
import { SilmarilError } from '../src/errors.js'
import { expandHome } from '../src/paths.js'
import { DEFAULTS } from './bootstrap-node.js'

export const DEFAULT_DATA_DIR = join(homedir(), '.silmaril-bootstrap')

export const HELP = `Usage: silmaril-bootstrap [options]

Runs a Silmaril DHT bootstrap node: a long-lived DHT node with a stable node id that
stores and serves signed BEP 44 items. Prints one JSON line on stdout once listening;
logs JSON lines on stderr. SIGTERM or SIGINT saves the routing table and exits.

Options:
  --host ADDR    IPv4 address to bind (default: ${DEFAULTS.host})
  --port PORT    UDP port; 0 picks a free one (default: ${DEFAULTS.port})
  --data DIR     where the node id and routing table live (default: ~/.silmaril-bootstrap)
  -h, --help     show this help

Examples:
  silmaril-bootstrap
  silmaril-bootstrap --host 203.0.113.7 --port 6881 --data /var/lib/silmaril-bootstrap
  silmaril-bootstrap --host 127.0.0.1 --port 0 --data /tmp/bootstrap
`

export type BootstrapArgs =
  | { help: true }
  | { help: false, host: string, port: number, dataDir: string }

/** Strict parsing of the command line; throws SilmarilError.usage for anything wrong. */
export function parseBootstrapArgs (argv: string[]): BootstrapArgs {
  let values: { host?: string, port?: string, data?: string, help?: boolean }
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        data: { type: 'string' },
        help: { type: 'boolean', short: 'h' }
      }
    }))
  } catch (err) {
    throw SilmarilError.usage((err as Error).message)
  }
  if (values.help === true) return { help: true }
  return {
    help: false,
    host: parseHost(values.host ?? DEFAULTS.host),
    port: parsePort(values.port ?? String(DEFAULTS.port)),
    dataDir: parseDataDir(values.data ?? DEFAULT_DATA_DIR)
  }
}

function parsePort (text: string): number {
  const port = Number(text)
  if (!/^[0-9]{1,5}$/.test(text) || port > 65535) {
    throw SilmarilError.usage(`--port must be a number from 0 to 65535, got "${text}"`)
  }
  return port
}

function parseHost (text: string): string {
  if (text.trim() === '') throw SilmarilError.usage('--host must not be empty')
  if (isIP(text) === 6) throw SilmarilError.usage(`--host ${text}: the DHT runs over IPv4 only; give an IPv4 address`)
  return text
}

function parseDataDir (text: string): string {
  if (text.trim() === '') throw SilmarilError.usage('--data must not be empty')
  return resolve(expandHome(text))
}
