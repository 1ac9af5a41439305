import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestContext } from 'node:test'
import { isProcessAlive } from '../../src/daemon-files.js'

export const SILMARIL_BIN = fileURLToPath(new URL('../../../bin/silmaril.js', import.meta.url))
export const BOOTSTRAP_BIN = fileURLToPath(new URL('../../../bin/silmaril-bootstrap.js', import.meta.url))

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

const CLI_TIMEOUT_MS = 60_000

/** Runs a built binary to completion; bounded by a timeout so a hang fails the test instead of CI. */
export async function runBin (bin: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<CliResult> {
  return await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    const timer = setTimeout(() => { child.kill('SIGKILL') }, CLI_TIMEOUT_MS)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
    child.stdin.end(input)
  })
}

/** An isolated Silmaril home: its own HOME, config dir and data dir, loopback only, no public routers. */
export interface CliHome {
  dir: string
  home: string
  env: NodeJS.ProcessEnv
  run (args: string[], extraEnv?: NodeJS.ProcessEnv, input?: string): Promise<CliResult>
  json<T = unknown> (args: string[], extraEnv?: NodeJS.ProcessEnv): Promise<T>
}

export async function createCliHome (t: TestContext, { bootstrap = [] as string[] } = {}): Promise<CliHome> {
  const dir = await mkdtemp(join(tmpdir(), 'silmaril-cli-'))
  const home = join(dir, 'home')
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SILMARIL_') && k !== 'DEBUG'))
  Object.assign(env, {
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, 'xdg'),
    SILMARIL_HOME: home,
    SILMARIL_DAEMON_PORT: '0',
    SILMARIL_NETWORK_BOOTSTRAP_NODES: bootstrap.join(','),
    SILMARIL_NETWORK_NAT_TRAVERSAL: 'false',
    NO_COLOR: '1'
  })
  const run = async (args: string[], extraEnv: NodeJS.ProcessEnv = {}, input?: string): Promise<CliResult> =>
    await runBin(SILMARIL_BIN, args, { ...env, ...extraEnv }, input)
  const cliHome: CliHome = {
    dir,
    home,
    env,
    run,
    json: async <T>(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<T> => {
      const result = await run([...args, '--json'], extraEnv)
      if (result.code !== 0) throw new Error(`silmaril ${args.join(' ')} exited ${String(result.code)}: ${result.stderr}`)
      return JSON.parse(result.stdout) as T
    }
  }
  t.after(async () => {
    await stopDaemonQuietly(home)
    await rm(dir, { recursive: true, force: true })
  })
  return cliHome
}

/** Teardown: ends a daemon a test left running, whatever state it is in. */
export async function stopDaemonQuietly (home: string): Promise<void> {
  const pid = Number((await readFile(join(home, 'daemon.pid'), 'utf8').catch(() => '')).trim())
  if (!Number.isInteger(pid) || pid <= 0) return
  try { process.kill(pid, 'SIGTERM') } catch { return }
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  try { process.kill(pid, 'SIGKILL') } catch {}
}

/** A message for people: one line, no stack trace. */
export function assertCleanError (stderr: string): void {
  if (/\n\s+at .+:\d+:\d+/.test(stderr) || /^\s*at /m.test(stderr)) throw new Error(`stderr shows a stack trace:\n${stderr}`)
}
