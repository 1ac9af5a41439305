import { HELP, parseBootstrapArgs, type BootstrapArgs } from './args.js'
import { createBootstrapNode, type BootstrapNode } from './bootstrap-node.js'
import { errorFields, jsonLog } from './json-log.js'

const PROGRAM = 'silmaril-bootstrap'
const STOP_TIMEOUT_MS = 10_000
const EXIT_GRACE_MS = 2_000
const WARNING_WINDOW_MS = 60_000
const WARNINGS_PER_WINDOW = 20

const log = jsonLog()

await main()

async function main (): Promise<void> {
  let args: BootstrapArgs
  try {
    args = parseBootstrapArgs(process.argv.slice(2))
  } catch (err) {
    process.stderr.write(`${PROGRAM}: ${(err as Error).message}\nRun "${PROGRAM} --help" for usage.\n`)
    process.exitCode = 2
    return
  }
  if (args.help) {
    process.stdout.write(HELP)
    return
  }

  const { init } = args
  const node = createBootstrapNode(init)
  const shutdown = shutdownOnce(node)
  const warn = throttledWarnings()
  node.on('warning', err => { warn(err) })
  node.on('routing-table-saved', count => { log('info', 'routing-table-saved', { nodes: count }) })
  node.on('refreshed', result => {
    log('info', 'catalog-refreshed', { slots_read: result.slots_read, catalogs_fetched: result.catalogs_fetched, catalogs_failed: result.catalogs_failed, added: result.added, updated: result.updated, revoked: result.revoked, duration_ms: result.duration_ms })
  })
  node.on('republished', round => {
    log('info', 'republished', { slots: round.republished, skipped: round.skipped, failed: round.failed, duration_ms: round.durationMs })
  })
  node.on('error', err => {
    log('error', 'error', errorFields(err))
    void shutdown(1)
  })
  process.on('SIGTERM', () => { void shutdown(0, 'SIGTERM') })
  process.on('SIGINT', () => { void shutdown(0, 'SIGINT') })

  log('info', 'starting', { host: init.host, port: init.port, data_dir: init.dataDir, keeper: init.keeper !== false })
  try {
    const info = await node.start()
    const listening = {
      host: info.host,
      port: info.port,
      node_id: info.nodeId,
      ...info.publisher === undefined ? {} : { publisher: info.publisher.id, fingerprint: info.publisher.fingerprint },
      ...info.metricsUrl === undefined ? {} : { metrics: info.metricsUrl }
    }
    process.stdout.write(`${JSON.stringify({ event: 'listening', ...listening })}\n`)
    log('info', 'listening', { ...listening, data_dir: node.dataDir })
    if (info.publisher !== undefined) {
      log('info', 'keeper', { publisher: info.publisher.id, fingerprint: info.publisher.fingerprint, hint: 'list this publisher id under discovery.publishers so nodes read this keeper\'s catalog' })
    }
  } catch (err) {
    log('error', 'start-failed', errorFields(err))
    await shutdown(1)
  }
}

/** Remote traffic can cause a warning per datagram; log the first few per minute and count the rest. */
function throttledWarnings (): (err: Error) => void {
  let windowStart = 0
  let logged = 0
  let suppressed = 0
  return err => {
    const now = Date.now()
    if (now - windowStart >= WARNING_WINDOW_MS) {
      if (suppressed > 0) log('warn', 'warnings-suppressed', { count: suppressed, window_ms: WARNING_WINDOW_MS })
      windowStart = now
      logged = 0
      suppressed = 0
    }
    if (logged < WARNINGS_PER_WINDOW) {
      logged++
      log('warn', 'warning', errorFields(err))
    } else {
      suppressed++
    }
  }
}

/** The first call stops the node and exits; a second signal while stopping exits at once. */
function shutdownOnce (node: BootstrapNode): (code: number, signal?: string) => Promise<void> {
  let stopping = false
  return async (code, signal) => {
    if (stopping) {
      if (signal !== undefined) {
        log('warn', 'forced-exit', { signal })
        process.exit(1)
      }
      return
    }
    stopping = true
    log('info', 'stopping', signal === undefined ? {} : { signal })
    const timeout = setTimeout(() => {
      log('error', 'stop-timeout', { timeout_ms: STOP_TIMEOUT_MS })
      process.exit(1)
    }, STOP_TIMEOUT_MS)
    timeout.unref()
    let exitCode = code
    try {
      await node.stop()
      log('info', 'stopped')
    } catch (err) {
      log('error', 'stop-failed', errorFields(err))
      exitCode = 1
    }
    clearTimeout(timeout)
    process.exitCode = exitCode
    // Only fires if some stray handle would keep the process alive after a clean stop.
    setTimeout(() => { process.exit(exitCode) }, EXIT_GRACE_MS).unref()
  }
}
