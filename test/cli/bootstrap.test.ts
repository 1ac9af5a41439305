import assert from 'node:assert/strict'
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { teardown, type Teardown } from '../helpers/teardown.js'
import { withTimeout } from '../helpers/wait.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const BIN = join(ROOT, 'bin', 'silmaril-bootstrap.js')
const TEST_TIMEOUT_MS = 30_000
const WAIT_MS = 10_000

interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

interface Running {
  child: ChildProcessWithoutNullStreams
  /** The first line on stdout; fails if the program exits first. */
  firstLine: () => Promise<string>
  exited: Promise<Exit>
}

function start (args: string[], cleanup: Teardown): Running {
  const env = { ...process.env }
  delete env['DEBUG']
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env })
  let stdout = ''
  let stderr = ''
  let onLine = (_line: string | null): void => {}
  const line = new Promise<string | null>(resolve => { onLine = resolve })
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
    const end = stdout.indexOf('\n')
    if (end !== -1) onLine(stdout.slice(0, end))
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const exited = once(child, 'close').then(([code, signal]) => {
    onLine(null)
    return { code, signal, stdout, stderr } as Exit
  })
  const firstLine = async (): Promise<string> => {
    const first = await withTimeout(line, WAIT_MS, `a line on stdout from silmaril-bootstrap ${args.join(' ')}`)
    if (first === null) throw new Error(`silmaril-bootstrap exited before printing a line; stderr:\n${stderr}`)
    return first
  }
  cleanup.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })
  return { child, firstLine, exited }
}

async function run (args: string[], cleanup: Teardown): Promise<Exit> {
  return await withTimeout(start(args, cleanup).exited, WAIT_MS, `silmaril-bootstrap ${args.join(' ')} to exit`)
}

async function tempDir (cleanup: Teardown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'silmaril-bootstrap-cli-'))
  cleanup.push(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

function assertNoStack (stderr: string): void {
  assert.doesNotMatch(stderr, /^\s+at /m, `stderr has a stack trace:\n${stderr}`)
}

test('silmaril-bootstrap prints where it listens, persists its node id, and exits 0 on SIGTERM', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const cleanup = teardown(t)
  const dataDir = await tempDir(cleanup)
  const args = ['--port', '0', '--host', '127.0.0.1', '--data', dataDir, '--no-keeper']

  const { child, firstLine, exited } = start(args, cleanup)
  const listening = JSON.parse(await firstLine()) as Record<string, unknown>
  assert.equal(listening['event'], 'listening')
  assert.equal(listening['host'], '127.0.0.1')
  assert.ok(typeof listening['port'] === 'number' && listening['port'] > 0, `port: ${String(listening['port'])}`)
  assert.match(String(listening['node_id']), /^[0-9a-f]{40}$/)
  assert.equal((await readFile(join(dataDir, 'node-id'), 'utf8')).trim(), listening['node_id'])

  child.kill('SIGTERM')
  const exit = await withTimeout(exited, WAIT_MS, 'exit after SIGTERM')
  assert.equal(exit.signal, null)
  assert.equal(exit.code, 0, exit.stderr)
  assert.equal(exit.stdout.trim().split('\n').length, 1, 'stdout carries only the listening line')
  const events = exit.stderr.trim().split('\n').map(line => (JSON.parse(line) as { event: string }).event)
  assert.deepEqual(events.filter(event => event !== 'routing-table-saved'), ['starting', 'listening', 'stopping', 'stopped'])
  const table = JSON.parse(await readFile(join(dataDir, 'routing-table.json'), 'utf8')) as { nodes: unknown[] }
  assert.ok(Array.isArray(table.nodes))

  const again = start(args, cleanup)
  const relisten = JSON.parse(await again.firstLine()) as Record<string, unknown>
  assert.equal(relisten['node_id'], listening['node_id'], 'the node id survives a restart')
  again.child.kill('SIGINT')
  assert.equal((await withTimeout(again.exited, WAIT_MS, 'exit after SIGINT')).code, 0)
})

test('silmaril-bootstrap --port abc exits 2 with a clear message and no stack trace', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const cleanup = teardown(t)
  const exit = await run(['--port', 'abc', '--data', await tempDir(cleanup)], cleanup)
  assert.equal(exit.code, 2)
  assert.equal(exit.stdout, '')
  assert.match(exit.stderr, /--port must be a number from 0 to 65535, got "abc"/)
  assertNoStack(exit.stderr)
})

test('silmaril-bootstrap rejects unknown options and arguments with exit 2', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const cleanup = teardown(t)
  for (const args of [['--bogus'], ['extra'], ['--port'], ['--port', '70000'], ['--host', '::1']]) {
    const exit = await run(args, cleanup)
    assert.equal(exit.code, 2, `${args.join(' ')}: ${exit.stderr}`)
    assert.match(exit.stderr, /^silmaril-bootstrap: .+\nRun "silmaril-bootstrap --help" for usage\.\n$/)
    assertNoStack(exit.stderr)
  }
})

test('silmaril-bootstrap --help shows usage, options and examples on stdout', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const exit = await run(['--help'], teardown(t))
  assert.equal(exit.code, 0)
  assert.match(exit.stdout, /^Usage: silmaril-bootstrap/)
  assert.match(exit.stdout, /\nOptions:\n/)
  assert.match(exit.stdout, /\nExamples:\n/)
  assert.equal(exit.stderr, '')
})
