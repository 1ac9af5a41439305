import { parseArgs } from 'node:util'
import { resolveConfig } from '../config/load.js'
import { SilmarilError } from '../errors.js'
import { runDaemon, type DaemonLog } from './run.js'

/** The daemon process. The CLI starts it detached, with stdout and stderr going to the log file. */
const log: DaemonLog = (event, fields = {}) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), event, ...fields })}\n`)
}

async function main (): Promise<number> {
  const { values } = parseArgs({
    options: {
      home: { type: 'string' },
      config: { type: 'string' },
      overrides: { type: 'string' }
    },
    strict: true
  })
  const overrides = values.overrides === undefined ? {} : JSON.parse(values.overrides) as Record<string, unknown>
  const resolved = await resolveConfig({ home: values.home, config: values.config, overrides })
  const daemon = await runDaemon(resolved, log)

  let signals = 0
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++
    if (signals > 1) { log('forced-exit', { signal }); process.exit(130) }
    log('stopping', { signal })
    void daemon.stop()
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  await daemon.stopped
  log('stopped')
  return 0
}

// Everything is closed and saved by now; exiting does not wait for library timers to run out.
main().then(code => { process.exit(code) }, (err: unknown) => {
  const error = SilmarilError.from(err)
  log('fatal', { code: error.code, message: error.message })
  process.stderr.write(`silmaril daemon: ${error.message}\n`)
  process.exit(error.exitCode)
})
