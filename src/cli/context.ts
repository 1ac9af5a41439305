import { resolveConfig, type ResolvedConfig } from '../config/load.js'
import { liveDaemonInfo, readToken } from '../daemon-files.js'
import { dataLayout } from '../paths.js'
import { DaemonClient } from './client.js'
import type { Output } from './output.js'

export interface GlobalArgs {
  json?: boolean
  home?: string
  config?: string
}

/** What every command gets: its output, the resolved config, and a way to reach the daemon. */
export class CliContext {
  readonly args: GlobalArgs
  readonly out: Output
  readonly env: NodeJS.ProcessEnv
  #resolved: Promise<ResolvedConfig> | undefined
  #overrides: Record<string, unknown>

  constructor (args: GlobalArgs, out: Output, env: NodeJS.ProcessEnv = process.env, overrides: Record<string, unknown> = {}) {
    this.args = args
    this.out = out
    this.env = env
    this.#overrides = overrides
  }

  /** Config flags given to this command (`daemon start --port` etc.), by dotted key. */
  get overrides (): Record<string, unknown> { return this.#overrides }

  withOverrides (overrides: Record<string, unknown>): this {
    this.#overrides = Object.fromEntries(Object.entries({ ...this.#overrides, ...overrides }).filter(([, v]) => v !== undefined))
    this.#resolved = undefined
    return this
  }

  async config (): Promise<ResolvedConfig> {
    this.#resolved ??= resolveConfig({ home: this.args.home, config: this.args.config, overrides: this.#overrides, env: this.env }).then(resolved => {
      if (!this.out.json) for (const w of resolved.warnings) this.out.warn(`${w.source}${w.line === undefined ? '' : `:${w.line}`}: ${w.message}`)
      return resolved
    })
    return await this.#resolved
  }

  /**
   * The daemon's URL: SILMARIL_DAEMON_URL, else the running daemon's daemon.json, else the
   * configured address; `running` when the first two say a daemon is there.
   */
  async #locate (): Promise<{ url: string, running: boolean }> {
    const fromEnv = this.env['SILMARIL_DAEMON_URL']
    if (fromEnv !== undefined && fromEnv !== '') return { url: fromEnv, running: true }
    const { config, dataDir } = await this.config()
    const info = await liveDaemonInfo(dataLayout(dataDir).daemonInfo)
    if (info !== undefined) return { url: info.url, running: true }
    const host = config.daemon.bind_address === '0.0.0.0' ? '127.0.0.1' : config.daemon.bind_address
    return { url: `http://${host.includes(':') ? `[${host}]` : host}:${config.daemon.port}`, running: false }
  }

  async client (): Promise<DaemonClient> {
    return (await this.#connect()).client
  }

  async #connect (): Promise<{ client: DaemonClient, running: boolean }> {
    const fromEnv = this.env['SILMARIL_TOKEN']
    const token = fromEnv !== undefined && fromEnv !== '' ? fromEnv : await readToken(dataLayout((await this.config()).dataDir).apiToken)
    const { url, running } = await this.#locate()
    return { client: new DaemonClient({ url, token }), running }
  }

  /**
   * A client of a running daemon, starting one first when `daemon.auto_start` allows. A daemon.json
   * whose process is alive is taken at its word (a health check would cost every command a round trip);
   * if that daemon does not answer, the command's own request reports it unreachable.
   */
  async daemon (): Promise<DaemonClient> {
    const { client, running } = await this.#connect()
    if (running || await client.healthy()) return client
    const { config } = await this.config()
    if (!config.daemon.auto_start) {
      const { SilmarilError } = await import('../errors.js')
      throw new SilmarilError('daemon_unreachable', 'the daemon is not running and daemon.auto_start is off; start it with "silmaril daemon start"')
    }
    const { startDaemon } = await import('./daemon-control.js')
    await startDaemon(this, { quiet: true })
    return await this.client()
  }
}
