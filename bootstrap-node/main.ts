import { HELP, parseBootstrapArgs, type BootstrapArgs } from './args.js'
import { createBootstrapNode, type BootstrapNode } from './bootstrap-node.js'
import { errorFields, jsonLog } from './json-log.js'

const PROGRAM = 'silmaril-bootstrap'
const STOP_TIMEOUT_MS = 10_000
const EXIT_GRACE_MS = 2_000

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

  const node = createBootstrapNode({ host: args.host, port: args.port, dataDir: args.dataDir })
  const shutdown = shutdownOnce(node)
  node.on('warning', err => { log('warn', 'warning', errorFields(err)) })
  node.on('routing-table-saved', count => { log('info', 'routing-table-saved', { nodes: count }) })
  node.on('error', err => {
    log('error', 'error', errorFields(err))
    void shutdown(1)
  })
  process.on('SIGTERM', () => { void shutdown(0, 'SIGTERM') })
  process.on('SIGINT', () => { void shutdown(0, 'SIGINT') })

  log('info', 'starting', { host: args.host, port: args.port, data_dir: args.dataDir })
  try {
    const info = await node.start()
    process.stdout.write(`${JSON.stringify({ event: 'listening', host: info.host, port: info.port, node_id: info.nodeId })}\n`)
    log('info', 'listening', { host: info.host, port: info.port, node_id: info.nodeId, data_dir: node.dataDir })
  } catch (err) {
    log('error', 'start-failed', errorFields(err))
    await shutdown(1)
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
