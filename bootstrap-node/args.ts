import { isIP } from 'node:net'
import { join, resolve } from 'node:path'
import { homedir } from 'node:os'
import { parseArgs } from 'node:util'
import { isPublisherId } from '../src/catalog/slot-keys.js'
import { parseHostPort } from '../src/dht/bootstrap-list.js'
import { SilmarilError } from '../src/errors.js'
import { expandHome } from '../src/paths.js'
import { DEFAULTS, type BootstrapNodeInit } from './bootstrap-node.js'
import { KEEPER_DEFAULTS } from './keeper.js'

export const DEFAULT_DATA_DIR = join(homedir(), '.silmaril-bootstrap')

/** What an operator gets without flags: a guarded public node that keeps the catalog. */
export const PROGRAM_DEFAULTS = {
  rateLimit: 100,
  putRateLimit: 10,
  keeper: true
} as const

const seconds = (ms: number): number => ms / 1000

export const HELP = `Usage: silmaril-bootstrap [options]

Runs a Silmaril bootstrap node: a long-lived DHT node with a stable node id and routing table
that stores and serves signed BEP 44 items, and (unless --no-keeper) a catalog keeper that
merges, seeds and republishes the network's model catalog under a publisher key of its own.
Prints one JSON line on stdout once listening; logs JSON lines on stderr. SIGTERM or SIGINT
saves the routing table and exits.

Options:
  --host ADDR                 IPv4 address to bind (default: ${DEFAULTS.host})
  --port PORT                 UDP port for the DHT, and TCP for the catalog torrent; 0 picks
                              free ones (default: ${DEFAULTS.port})
  --data DIR                  node id, routing table, keeper key and catalog
                              (default: ~/.silmaril-bootstrap)
  --bootstrap HOST:PORT       join the network through this node (repeatable; default: none,
                              the node starts a network of its own and remembers who joins)
  --no-keeper                 run a bare DHT node: no catalog, no TCP port
  --publisher ID              a publisher id (64 hex) the keeper always reads and republishes
                              (repeatable), like discovery.publishers
  --refresh-interval SECONDS  time between catalog refreshes (default: ${seconds(KEEPER_DEFAULTS.refreshIntervalMs)})
  --republish-interval SECONDS
                              time between republish rounds of every slot held
                              (default: ${seconds(KEEPER_DEFAULTS.republishIntervalMs)})
  --metrics-port PORT         serve /metrics (Prometheus) and /health over HTTP; 0 picks a
                              free port (default: off)
  --metrics-host ADDR         address for the metrics server (default: ${DEFAULTS.metricsHost})
  --rate-limit N              datagrams per second per IP address, burst 2N; 0 is unlimited
                              (default: ${PROGRAM_DEFAULTS.rateLimit})
  --put-rate-limit N          BEP 44 puts per second per IP address; 0 is unlimited
                              (default: ${PROGRAM_DEFAULTS.putRateLimit})
  --max-items N               BEP 44 items stored (default: ${DEFAULTS.maxValues})
  --max-items-per-key N       items one public key may hold (default: ${DEFAULTS.maxItemsPerKey})
  --max-items-per-address N   new items one IP address may have stored (default: a tenth of
                              --max-items)
  -h, --help                  show this help

Examples:
  silmaril-bootstrap
  silmaril-bootstrap --host 203.0.113.7 --port 6881 --data /var/lib/silmaril-bootstrap --metrics-port 9464
  silmaril-bootstrap --host 127.0.0.1 --port 0 --data /tmp/bootstrap --no-keeper
`

export type BootstrapArgs =
  | { help: true }
  | { help: false, init: BootstrapNodeInit & { host: string, port: number, dataDir: string } }

const OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  data: { type: 'string' },
  bootstrap: { type: 'string', multiple: true },
  keeper: { type: 'boolean' },
  'no-keeper': { type: 'boolean' },
  publisher: { type: 'string', multiple: true },
  'refresh-interval': { type: 'string' },
  'republish-interval': { type: 'string' },
  'metrics-port': { type: 'string' },
  'metrics-host': { type: 'string' },
  'rate-limit': { type: 'string' },
  'put-rate-limit': { type: 'string' },
  'max-items': { type: 'string' },
  'max-items-per-key': { type: 'string' },
  'max-items-per-address': { type: 'string' },
  help: { type: 'boolean', short: 'h' }
} as const

const parse = (argv: string[]) => parseArgs({ args: argv, strict: true, allowPositionals: false, options: OPTIONS })

/** Strict parsing of the command line; throws SilmarilError.usage for anything wrong. */
export function parseBootstrapArgs (argv: string[]): BootstrapArgs {
  let values: ReturnType<typeof parse>['values']
  try {
    ({ values } = parse(argv))
  } catch (err) {
    throw SilmarilError.usage((err as Error).message)
  }
  if (values.help === true) return { help: true }
  if (values.keeper === true && values['no-keeper'] === true) throw SilmarilError.usage('--keeper and --no-keeper contradict each other')
  const keeper = values['no-keeper'] !== true && PROGRAM_DEFAULTS.keeper
  const keeperOnly = ['publisher', 'refresh-interval', 'republish-interval'] as const
  if (!keeper) {
    const given = keeperOnly.find(name => values[name] !== undefined)
    if (given !== undefined) throw SilmarilError.usage(`--${given} configures the catalog keeper; drop it or --no-keeper`)
  }
  const maxItems = optionalInteger(values['max-items'], '--max-items', 1) ?? DEFAULTS.maxValues
  const metricsPort = values['metrics-port'] === undefined ? undefined : parsePort(values['metrics-port'], '--metrics-port')
  const init: BootstrapNodeInit & { host: string, port: number, dataDir: string } = {
    host: parseHost(values.host ?? DEFAULTS.host, '--host'),
    port: parsePort(values.port ?? String(DEFAULTS.port), '--port'),
    dataDir: parseDataDir(values.data ?? DEFAULT_DATA_DIR),
    bootstrap: (values.bootstrap ?? []).map(parseBootstrap),
    rateLimit: optionalInteger(values['rate-limit'], '--rate-limit', 0) ?? PROGRAM_DEFAULTS.rateLimit,
    putRateLimit: optionalInteger(values['put-rate-limit'], '--put-rate-limit', 0) ?? PROGRAM_DEFAULTS.putRateLimit,
    maxValues: maxItems,
    maxItemsPerKey: optionalInteger(values['max-items-per-key'], '--max-items-per-key', 1) ?? DEFAULTS.maxItemsPerKey,
    maxItemsPerAddress: optionalInteger(values['max-items-per-address'], '--max-items-per-address', 1) ?? Math.max(1, Math.floor(maxItems / 10)),
    keeper: keeper
      ? {
          publishers: (values.publisher ?? []).map(parsePublisher),
          refreshIntervalMs: optionalSeconds(values['refresh-interval'], '--refresh-interval') ?? KEEPER_DEFAULTS.refreshIntervalMs,
          republishIntervalMs: optionalSeconds(values['republish-interval'], '--republish-interval') ?? KEEPER_DEFAULTS.republishIntervalMs
        }
      : false,
    metrics: metricsPort === undefined ? false : { host: parseHost(values['metrics-host'] ?? DEFAULTS.metricsHost, '--metrics-host'), port: metricsPort }
  }
  if (metricsPort === undefined && values['metrics-host'] !== undefined) throw SilmarilError.usage('--metrics-host needs --metrics-port')
  return { help: false, init }
}

function parsePort (text: string, flag: string): number {
  const port = Number(text)
  if (!/^[0-9]{1,5}$/.test(text) || port > 65535) {
    throw SilmarilError.usage(`${flag} must be a number from 0 to 65535, got "${text}"`)
  }
  return port
}

function parseHost (text: string, flag: string): string {
  if (text.trim() === '') throw SilmarilError.usage(`${flag} must not be empty`)
  if (isIP(text) === 6) throw SilmarilError.usage(`${flag} ${text}: the DHT runs over IPv4 only; give an IPv4 address`)
  return text
}

function parseDataDir (text: string): string {
  if (text.trim() === '') throw SilmarilError.usage('--data must not be empty')
  return resolve(expandHome(text))
}

function parseBootstrap (text: string): string {
  parseHostPort(text)
  return text.trim()
}

function parsePublisher (text: string): string {
  const id = text.trim().toLowerCase()
  if (!isPublisherId(id)) throw SilmarilError.usage(`--publisher must be a publisher id of 64 hex characters, got "${text.slice(0, 80)}"`)
  return id
}

function optionalInteger (text: string | undefined, flag: string, min: number): number | undefined {
  if (text === undefined) return undefined
  const value = Number(text)
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(value) || value < min) {
    throw SilmarilError.usage(`${flag} must be a whole number of at least ${min}, got "${text}"`)
  }
  return value
}

function optionalSeconds (text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined
  const value = Number(text)
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text) || value < 0.1 || value > 86400 * 7) {
    throw SilmarilError.usage(`${flag} must be a number of seconds from 0.1 to 604800, got "${text}"`)
  }
  return Math.round(value * 1000)
}
