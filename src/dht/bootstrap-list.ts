import { isIP } from 'node:net'
import { SilmarilError } from '../errors.js'

/** The public mainline DHT routers. Only real-network runs use these; tests never do. */
export const PUBLIC_BOOTSTRAP_NODES: readonly string[] = Object.freeze([
  'router.bittorrent.com:6881',
  'router.utorrent.com:6881',
  'dht.transmissionbt.com:6881',
  'dht.libtorrent.org:25401'
])

/**
 * Bootstrap nodes the Silmaril project runs (`silmaril-bootstrap`, which also keeps the catalog),
 * as `host:port`. Empty until the project operates some: an entry goes here only once its host
 * is live, and is then tried before the public routers. Operators of their own nodes list them
 * in `network.bootstrap_nodes` instead.
 */
export const PROJECT_BOOTSTRAP_NODES: readonly string[] = Object.freeze([])

/** The default `network.bootstrap_nodes`: the project's nodes, then the public mainline routers. */
export const DEFAULT_BOOTSTRAP_NODES: readonly string[] = Object.freeze([...PROJECT_BOOTSTRAP_NODES, ...PUBLIC_BOOTSTRAP_NODES])

export interface HostPort {
  host: string
  port: number
}

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i
const PORT = /^[0-9]{1,5}$/

/** Parses `host:port` or `[ipv6]:port`; throws a usage error that quotes the bad input. */
export function parseHostPort (input: string): HostPort {
  if (typeof input !== 'string') throw SilmarilError.usage(`expected an address as host:port, got ${String(input)}`)
  const text = input.trim()
  const bad = (why: string): SilmarilError =>
    SilmarilError.usage(`invalid address "${input}": ${why} (expected host:port or [ipv6]:port)`)

  let host: string
  let portText: string
  if (text.startsWith('[')) {
    const close = text.indexOf(']')
    if (close === -1) throw bad('missing "]"')
    host = text.slice(1, close)
    if (isIP(host) !== 6) throw bad('the part in brackets is not an IPv6 address')
    if (text[close + 1] !== ':') throw bad('missing port')
    portText = text.slice(close + 2)
  } else {
    const colon = text.lastIndexOf(':')
    if (colon === -1) throw bad('missing port')
    host = text.slice(0, colon)
    portText = text.slice(colon + 1)
    if (host.includes(':')) throw bad('put IPv6 addresses in brackets')
    if (host === '') throw bad('missing host')
    if (isIP(host) === 0 && (!HOSTNAME.test(host) || /^[0-9.]+$/.test(host))) {
      throw bad('the host is not a valid hostname or IP address')
    }
  }

  if (portText === '') throw bad('missing port')
  const port = Number(portText)
  if (!PORT.test(portText) || port < 1 || port > 65535) throw bad('the port must be a number from 1 to 65535')
  return { host, port }
}

/** The inverse of parseHostPort. */
export function formatHostPort ({ host, port }: HostPort): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`
}
