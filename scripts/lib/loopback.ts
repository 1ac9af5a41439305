import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { stringify } from 'yaml'
import { DaemonClient } from '../../src/cli/client.js'

/** Launches real bootstrap and daemon processes on 127.0.0.1 for the demo, the testnet script and end-to-end tests. */

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const SILMARIL_BIN = join(ROOT, 'bin', 'silmaril.js')
export const BOOTSTRAP_BIN = join(ROOT, 'bin', 'silmaril-bootstrap.js')

const LISTEN_TIMEOUT_MS = 15_000

export interface BootstrapProcess {
  address: string
  nodeId: string
  /** The keeper's publisher id, when it runs one. */
  publisher?: string
  /** `http://127.0.0.1:port` of /metrics and /health, when asked for. */
  metrics?: string
  child: ChildProcess
  stop (): Promise<void>
}

export interface BootstrapProcessOptions {
  /**
   * Run the catalog keeper and the per-address rate limits, as the program does by default.
   * Off unless asked: every loopback node shares one address, and tests not about the keeper
   * want a bare DHT node.
   * @default false
   */
  keeper?: boolean
  /** More flags for silmaril-bootstrap. */
  args?: string[]
}

export async function startBootstrapProcess (dataDir: string, options: BootstrapProcessOptions = {}): Promise<BootstrapProcess> {
  const mode = options.keeper === true ? [] : ['--no-keeper', '--rate-limit', '0', '--put-rate-limit', '0']
  const nodeArgs = process.env['SILMARIL_BOOTSTRAP_NODE_ARGS']?.split(' ').filter(arg => arg !== '') ?? []
  const args = [...nodeArgs, BOOTSTRAP_BIN, '--host', '127.0.0.1', '--port', '0', '--data', dataDir, ...mode, ...options.args ?? []]
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000) })
  const lines = createInterface({ input: child.stdout! })
  const listening = await new Promise<{ port: number, node_id: string, publisher?: string, metrics?: string }>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`the bootstrap node did not listen within ${LISTEN_TIMEOUT_MS} ms:\n${stderr}`)) }, LISTEN_TIMEOUT_MS)
    child.once('exit', code => { clearTimeout(timer); reject(new Error(`the bootstrap node exited (${String(code)}):\n${stderr}`)) })
    lines.on('line', line => {
      const event = JSON.parse(line) as { event?: string, port: number, node_id: string, publisher?: string, metrics?: string }
      if (event.event === 'listening') { clearTimeout(timer); resolve(event) }
    })
  })
  return {
    address: `127.0.0.1:${listening.port}`,
    nodeId: listening.node_id,
    ...listening.publisher === undefined ? {} : { publisher: listening.publisher },
    ...listening.metrics === undefined ? {} : { metrics: listening.metrics },
    child,
    stop: async () => { await stopChild(child) }
  }
}

export async function stopChild (child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>(resolve => { child.once('exit', () => { resolve() }) })
  child.kill('SIGTERM')
  const timer = setTimeout(() => { child.kill('SIGKILL') }, timeoutMs)
  await exited
  clearTimeout(timer)
}

/** A data dir with its own config for a loopback daemon: random ports, the given bootstrap, no NAT traversal. */
export interface DaemonHome {
  name: string
  home: string
  env: NodeJS.ProcessEnv
  /** Runs the silmaril CLI against this home; throws with its stderr when it fails. Blocks the event loop. */
  cli (args: string[]): string
  /** The same without blocking, for processes that must keep serving (e.g. a peer in a test) meanwhile. */
  run (args: string[]): Promise<string>
  client (): Promise<DaemonClient>
}

export async function createDaemonHome (name: string, root: string, bootstrap: string[]): Promise<DaemonHome> {
  const home = join(root, name)
  await mkdir(home, { recursive: true })
  // In the home's own config, so `SILMARIL_HOME=<home> silmaril …` by hand stays on loopback too.
  const config = { network: { bootstrap_nodes: bootstrap, nat_traversal: false, listen_port: 0 }, daemon: { port: 0 } }
  await writeFile(join(home, 'config.yaml'), stringify(config))
  const env: NodeJS.ProcessEnv = {
    // The caller's SILMARIL_* would point the CLI elsewhere; only the daemon's extra node flags (profiling) pass.
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SILMARIL_') || k === 'SILMARIL_DAEMON_NODE_ARGS')),
    SILMARIL_HOME: home
  }
  const cli = (args: string[]): string => {
    const result = spawnSync(process.execPath, [SILMARIL_BIN, ...args], { env, encoding: 'utf8', timeout: 60_000 })
    if (result.status !== 0) throw new Error(`silmaril ${args.join(' ')} (${name}) exited ${String(result.status)}: ${result.stderr}`)
    return result.stdout
  }
  const run = async (args: string[]): Promise<string> => await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SILMARIL_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    const timer = setTimeout(() => { child.kill('SIGKILL') }, 120_000)
    child.on('error', reject)
    child.on('close', code => {
      clearTimeout(timer)
      if (code === 0) resolve(stdout)
      else reject(new Error(`silmaril ${args.join(' ')} (${name}) exited ${String(code)}: ${stderr}`))
    })
  })
  const client = async (): Promise<DaemonClient> => {
    const info = JSON.parse(await readFile(join(home, 'daemon.json'), 'utf8')) as { url: string }
    const token = (await readFile(join(home, 'api-token'), 'utf8')).trim()
    return new DaemonClient({ url: info.url, token })
  }
  return { name, home, env, cli, run, client }
}
