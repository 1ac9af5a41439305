import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createDaemonHome, startBootstrapProcess, type BootstrapProcess, type DaemonHome } from './lib/loopback.js'

/**
 * `make testnet`: a bootstrap node and N daemons on 127.0.0.1 for trying the CLI by hand.
 * Prints the environment for each daemon; Ctrl-C (or --minutes running out) stops everything.
 */

const HELP = `Usage: node dist/scripts/testnet.js [--daemons N] [--minutes M]

  --daemons N   daemons to start (default 3, at most 20)
  --minutes M   stop by itself after M minutes (default 60)
`

async function main (): Promise<void> {
  const { values } = parseArgs({ options: { daemons: { type: 'string' }, minutes: { type: 'string' }, help: { type: 'boolean' } }, strict: true })
  if (values.help === true) { process.stdout.write(HELP); return }
  const count = Number(values.daemons ?? 3)
  const minutes = Number(values.minutes ?? 60)
  if (!Number.isInteger(count) || count < 1 || count > 20) throw new Error('--daemons must be a whole number from 1 to 20')
  if (!(minutes > 0)) throw new Error('--minutes must be a positive number')

  const root = await mkdtemp(join(tmpdir(), 'silmaril-testnet-'))
  let bootstrap: BootstrapProcess | undefined
  const homes: DaemonHome[] = []
  let stopping = false
  const stop = async (): Promise<void> => {
    if (stopping) return
    stopping = true
    process.stdout.write('\nstopping the testnet…\n')
    for (const home of homes.reverse()) { try { home.cli(['daemon', 'stop']) } catch {} }
    await bootstrap?.stop()
    await rm(root, { recursive: true, force: true })
  }

  try {
    bootstrap = await startBootstrapProcess(join(root, 'bootstrap'))
    process.stdout.write(`bootstrap node: ${bootstrap.address}\n\n`)
    for (let i = 0; i < count; i++) {
      const home = await createDaemonHome(`node${i + 1}`, root, [bootstrap.address])
      homes.push(home)
      home.cli(['init'])
      home.cli(['daemon', 'start'])
      const info = (await home.client()).url
      process.stdout.write(`${home.name}: ${info}\n  export SILMARIL_HOME=${home.home}\n`)
    }
    process.stdout.write(`\nEach data dir's config.yaml keeps its daemon on this testnet. Ctrl-C stops everything (or it stops by itself in ${minutes} min).\n`)
  } catch (err) {
    await stop()
    throw err
  }

  await new Promise<void>(resolve => {
    const timer = setTimeout(resolve, minutes * 60_000)
    process.once('SIGINT', () => { clearTimeout(timer); resolve() })
    process.once('SIGTERM', () => { clearTimeout(timer); resolve() })
  })
  await stop()
}

main().catch((err: Error) => {
  process.stderr.write(`testnet: ${err.message}\n`)
  process.exitCode = 1
})
