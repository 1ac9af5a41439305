import { liveDaemonInfo, readToken } from '../daemon-files.js'

/** Where the daemon is and how to authenticate; asked again on every (re)connect. */
export interface DaemonAddress {
  url: string
  token: string | undefined
}

export type DaemonLocator = () => Promise<DaemonAddress>

export interface LocatorInit {
  /** The address the CLI found at start-up. */
  url: string
  token?: string | undefined
  /**
   * The data dir's `daemon.json`: a daemon restarted with `daemon.port: 0` listens elsewhere, so
   * reconnects read its address again. Absent when the address was given (SILMARIL_DAEMON_URL).
   */
  daemonInfo?: string | undefined
  /** The data dir's `api-token`, read again on reconnect when no token was given. */
  tokenFile?: string | undefined
}

export function createLocator (init: LocatorInit): DaemonLocator {
  let last: DaemonAddress = { url: init.url, token: init.token }
  return async () => {
    const info = init.daemonInfo === undefined ? undefined : await liveDaemonInfo(init.daemonInfo)
    const token = init.token ?? (init.tokenFile === undefined ? undefined : await readToken(init.tokenFile).catch(() => undefined))
    last = { url: info?.url ?? last.url, token: token ?? last.token }
    return last
  }
}
