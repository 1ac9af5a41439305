import { mkdir, rm } from 'node:fs/promises'
import type { ResolvedConfig } from '../config/load.js'
import { acquirePidLock, loadOrCreateToken, processStart, releasePidLock, writeFileAtomic, type DaemonInfo } from '../daemon-files.js'
import { SilmarilError } from '../errors.js'
import { loadIdentity } from '../identity.js'
import { createNode } from '../node.js'
import { dataLayout } from '../paths.js'
import { VERSION } from '../version.js'
import { buildApi } from './server.js'

export type DaemonLog = (event: string, fields?: Record<string, unknown>) => void

export interface RunningDaemon {
  info: DaemonInfo
  /** Resolves once the daemon has stopped, whatever stopped it. */
  stopped: Promise<void>
  stop (): Promise<void>
}

/** Starts node and API for one data dir, holding its pid lock until stopped. */
export async function runDaemon (resolved: ResolvedConfig, log: DaemonLog): Promise<RunningDaemon> {
  const { config, dataDir } = resolved
  const layout = dataLayout(dataDir)
  await mkdir(layout.root, { recursive: true, mode: 0o700 })
  await acquirePidLock(layout.pidFile, layout.daemonInfo, dataDir)

  const cleanups: Array<() => Promise<void>> = [async () => { await releasePidLock(layout.pidFile) }]
  const cleanup = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn().catch((err: Error) => { log('cleanup-failed', { error: err.message }) })
  }

  try {
    for (const warning of resolved.warnings) log('config-warning', { ...warning })
    const identity = await loadIdentity(layout.identityKey, { create: true })
    const token = await loadOrCreateToken(layout.apiToken)
    const node = createNode({ config, dataDir, identity })
    cleanups.push(async () => { await node.stop() })
    await node.start()

    let resolveStopped: () => void = () => {}
    const stopped = new Promise<void>(resolve => { resolveStopped = resolve })
    let stopping: Promise<void> | undefined
    const stop = async (): Promise<void> => {
      stopping ??= cleanup().then(resolveStopped)
      return await stopping
    }

    const app = buildApi({ node, shutdown: () => { void stop() } }, { token })
    cleanups.push(async () => { await app.close() })
    node.on('error', (err: Error) => { log('node-error', { error: err.message }) })
    node.on('warning', (err: Error) => { log('node-warning', { message: err.message }) })
    node.on('resumed', (fields: Record<string, unknown>) => { log('seeding-resumed', fields) })
    try {
      await app.listen({ host: config.daemon.bind_address, port: config.daemon.port })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new SilmarilError('io', `port ${config.daemon.port} on ${config.daemon.bind_address} is already in use; set daemon.port in the config, SILMARIL_DAEMON_PORT, or --port`)
      }
      throw err
    }
    const address = app.server.address()
    const port = typeof address === 'object' && address !== null ? address.port : config.daemon.port
    const host = config.daemon.bind_address === '0.0.0.0' ? '127.0.0.1' : config.daemon.bind_address === '::' ? '::1' : config.daemon.bind_address
    const start = processStart(process.pid)
    const info: DaemonInfo = {
      pid: process.pid,
      url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
      version: VERSION,
      started_at: new Date().toISOString(),
      ...start === undefined ? {} : { pid_start: start }
    }
    await writeFileAtomic(layout.daemonInfo, `${JSON.stringify(info, null, 2)}\n`)
    cleanups.splice(1, 0, async () => { await rm(layout.daemonInfo, { force: true }) })
    const snapshot = node.snapshot()
    log('started', { pid: info.pid, url: info.url, data_dir: dataDir, publisher: identity.fingerprint, dht_port: snapshot.dht.port, torrent_port: snapshot.torrent.port })
    return { info, stopped, stop }
  } catch (err) {
    await cleanup()
    throw err
  }
}
