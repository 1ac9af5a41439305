import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import type { NodeSnapshot } from '../../src/api/types.js'
import { createDaemonHome, startBootstrapProcess, type BootstrapProcess, type DaemonHome } from '../../scripts/lib/loopback.js'
import { stopDaemonQuietly } from './cli.js'

/** A bootstrap process and `size` daemon processes on 127.0.0.1, torn down (in reverse) when the test ends. */
export interface DaemonNet {
  bootstrap: BootstrapProcess
  daemons: DaemonHome[]
  root: string
  /** Runs the CLI against a daemon (without blocking this process) and parses its `--json` output. */
  json<T> (daemon: DaemonHome, args: string[]): Promise<T>
  status (daemon: DaemonHome): Promise<NodeSnapshot>
}

export async function createDaemonNet (t: TestContext, size: number, names?: string[], env: NodeJS.ProcessEnv = {}): Promise<DaemonNet> {
  const root = await mkdtemp(join(tmpdir(), 'silmaril-net-'))
  const daemons: DaemonHome[] = []
  const state: { bootstrap?: BootstrapProcess } = {}
  t.after(async () => {
    await Promise.all(daemons.map(async d => { await stopDaemonQuietly(d.home) }))
    await state.bootstrap?.stop()
    await rm(root, { recursive: true, force: true })
  })
  const bootstrap = await startBootstrapProcess(join(root, 'bootstrap'))
  state.bootstrap = bootstrap
  const labels = names ?? Array.from({ length: size }, (_, i) => `node${i}`)
  for (const name of labels) {
    const home = await createDaemonHome(name, root, [bootstrap.address])
    Object.assign(home.env, env)
    daemons.push(home)
  }
  await Promise.all(daemons.map(async d => { d.cli(['daemon', 'start']) }))
  const json = async <T>(daemon: DaemonHome, args: string[]): Promise<T> => JSON.parse(await daemon.run([...args, '--json'])) as T
  return { bootstrap, daemons, root, json, status: async d => await json<NodeSnapshot>(d, ['daemon', 'status']) }
}

/** Polls `check` until it returns a value (not undefined), or fails after `ms`. */
export async function eventually<T> (what: string, ms: number, check: () => T | undefined | Promise<T | undefined>, everyMs = 250): Promise<T> {
  const deadline = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms${last === undefined ? '' : ` (last error: ${(last as Error).message})`}`)
    await new Promise(resolve => setTimeout(resolve, everyMs))
  }
}
