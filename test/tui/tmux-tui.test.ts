import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import type { ShareResult } from '../../src/api/types.js'
import { SILMARIL_BIN } from '../../scripts/lib/loopback.js'
import { runBin } from '../helpers/cli.js'
import { createDaemonNet, eventually } from '../helpers/daemon-net.js'
import { writeModelFolder } from '../helpers/model-folder.js'

/** A real terminal: tmux runs `silmaril tui`, the test types keys and reads the screen like a person. */

const WAIT_MS = 60_000
const CLOCK_TICKS_PER_S = 100
const IDLE_WINDOW_MS = 10_000
const IDLE_CPU_BUDGET_S = 0.5

const tmuxVersion = spawnSync('tmux', ['-V'], { encoding: 'utf8' })
const NO_TMUX = tmuxVersion.status === 0 ? undefined : 'tmux is not installed (scripts/install-system-deps.sh installs it); skipping the real-terminal test'
if (NO_TMUX !== undefined) console.log(`# ${NO_TMUX}`)

const shellQuote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`

interface Terminal {
  screen (options?: { escapes?: boolean }): string
  keys (...keys: string[]): void
  type (text: string): void
  until (what: string, check: (screen: string) => boolean): Promise<string>
  pid (): number
}

/** A detached tmux session on its own server socket, killed when the test ends. */
function openTerminal (t: TestContext, name: string, command: string, env: NodeJS.ProcessEnv): Terminal {
  const socket = `silmaril-tui-${process.pid}-${name}`
  const tmux = (...args: string[]): string => {
    const result = spawnSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { env: { ...env, TERM: 'xterm-256color' }, encoding: 'utf8' })
    if (result.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${result.stderr}`)
    return result.stdout
  }
  tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '32', command)
  tmux('set-option', '-t', name, 'remain-on-exit', 'on')
  t.after(() => { spawnSync('tmux', ['-L', socket, 'kill-server']) })
  const screen = ({ escapes = false } = {}): string => tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', name)
  return {
    screen,
    keys: (...keys) => { for (const k of keys) tmux('send-keys', '-t', name, k) },
    type: text => { tmux('send-keys', '-t', name, '-l', text) },
    until: async (what, check) => {
      let last = ''
      try {
        return await eventually(what, WAIT_MS, () => { last = screen(); return check(last) ? last : undefined }, 100)
      } catch (err) {
        throw new Error(`${(err as Error).message}; the screen:\n${last}`)
      }
    },
    pid: () => Number(tmux('display-message', '-p', '-t', name, '#{pane_pid}').trim())
  }
}

/** User and system CPU seconds of a process and its children. */
function cpuSeconds (pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const own = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(s => s !== '').map(Number)
  return own + children.reduce((sum, child) => sum + cpuSeconds(child), 0)
}

const row = (screen: string, name: string): string => screen.split('\n').find(l => l.includes(name)) ?? ''

test('silmaril tui in tmux: views, search, a licensed get, pause, resume, details, daemon restart, idle CPU, quit', { skip: NO_TMUX }, async t => {
  // Bob downloads at 2 MiB/s, so the transfer is still running while the test presses keys.
  const net = await createDaemonNet(t, 2, ['alice', 'bob'], { SILMARIL_LIMITS_DOWNLOAD_LIMIT_KBPS: '2048' })
  const [alice, bob] = net.daemons as [typeof net.daemons[0], typeof net.daemons[0]]
  const folder = await writeModelFolder(join(net.root, 'tiny'), { seed: 11, hiddenSize: 1280 })
  const shared = await net.json<ShareResult>(alice, ['share', folder, '--name', 'acme/tiny-llama', '--license', 'llama3', '--tags', 'chat'])
  await eventually('bob discovering the model', WAIT_MS, async () => (await net.json<unknown[]>(bob, ['discover', '--refresh'])).length === 1 ? true : undefined)

  // A shell waits for the TUI and writes down how it ended: tmux 3.3 sometimes misses the SIGCHLD of
  // its pane's process (and the output just before it), and would report a TUI that has exited as running.
  const exitFile = join(net.root, 'tui-exit-status')
  const term = openTerminal(t, 'main', `node ${shellQuote(SILMARIL_BIN)} tui; echo $? > ${shellQuote(exitFile)}`, bob.env)
  await term.until('the Transfers view', s => s.includes('[1 Transfers]') && s.includes('no transfers yet'))

  term.keys('2')
  await term.until('the Discover view with the catalog', s => s.includes('[2 Discover]') && s.includes('acme/tiny-llama'))
  term.type('tiny')
  const found = await term.until('the search', s => s.includes('Search: tiny') && s.includes('1 result'))
  assert.match(row(found, 'acme/tiny-llama'), /llama3\s+[\d.]+ MiB\s+(-|\d+) safetensors .*chat/)
  // Alice seeds it: the DHT count arrives with one of the view's repeated searches.
  await term.until('the peer count', s => /MiB\s+[1-9]\d* safetensors/.test(row(s, 'acme/tiny-llama')))

  term.keys('Enter')
  const asked = await term.until('the license question or a refusal', s => s.includes('(y/n)') || s.includes('could not get'))
  if (asked.includes('could not get')) {
    if (/not available in this version/.test(asked)) {
      t.skip('POST /api/v1/models/download answers 501 (silmaril get is not implemented yet); the download part is skipped')
      return
    }
    assert.fail(`the get failed:\n${asked}`)
  }
  assert.match(asked, /Accept the license "llama3" of acme\/tiny-llama and download\? \(y\/n\)/)
  term.keys('y')
  await term.until('the download in Transfers', s => s.includes('[1 Transfers]') && /› acme\/tiny-llama\s+(queued|metadata|downloading)/.test(s))
  await term.until('some progress', s => /acme\/tiny-llama\s+downloading .*\s([1-9]\d?)%/.test(s))

  term.keys('p')
  await term.until('paused', s => /acme\/tiny-llama\s+paused/.test(s))
  term.keys('p')
  await term.until('resumed', s => /acme\/tiny-llama\s+(queued|metadata|downloading|verifying|installing|seeding)/.test(s))

  term.keys('Enter')
  const details = await term.until('the details', s => s.includes('Files (') && s.includes('model.safetensors'))
  assert.match(details, new RegExp(`infohash v1\\s+${shared.infohash}`))
  assert.match(details, new RegExp(`magnet\\s+magnet:\\?xt=urn:btih:${shared.infohash}`))
  term.keys('Escape')
  await term.until('the list again', s => s.includes('S/L'))

  await term.until('the model installed and seeding', s => /acme\/tiny-llama\s+seeding .*100%/.test(s))
  term.keys('3')
  await term.until('the Models view', s => s.includes('[3 Models]') && /acme\/tiny-llama\s+seeding/.test(s))
  term.keys('4')
  const network = await term.until('the Network view', s => s.includes('[4 Network]') && /DHT\s+ready · \d+ nodes? known/.test(s))
  assert.match(network, /catalog\s+1 entries \(1 live\)/)

  term.keys('1')
  await term.until('Transfers again', s => s.includes('[1 Transfers]'))
  const before = cpuSeconds(term.pid())
  assert.ok(before > 0, 'the measured processes are the TUI: starting it took CPU')
  await new Promise(resolve => setTimeout(resolve, IDLE_WINDOW_MS))
  const used = cpuSeconds(term.pid()) - before
  t.diagnostic(`idle TUI: ${used.toFixed(2)} s of CPU over ${IDLE_WINDOW_MS / 1000} s`)
  assert.ok(used < IDLE_CPU_BUDGET_S, `the idle TUI used ${used.toFixed(2)} s of CPU in ${IDLE_WINDOW_MS / 1000} s`)

  // The daemon dies (kill -9, as in a crash): daemon.json stays behind naming a dead process.
  process.kill((JSON.parse(readFileSync(join(bob.home, 'daemon.json'), 'utf8')) as { pid: number }).pid, 'SIGKILL')
  await term.until('the daemon gone', s => s.includes('daemon not reachable at'))
  await bob.run(['daemon', 'start'])
  await term.until('the daemon back', s => !s.includes('not reachable') && /acme\/tiny-llama\s+seeding/.test(s))

  term.keys('q')
  const status = await eventually('the TUI exiting', WAIT_MS, () => existsSync(exitFile) ? readFileSync(exitFile, 'utf8').trim() : undefined, 100)
  assert.equal(status, '0')
  assert.doesNotMatch(term.screen(), /\[1 Transfers\]/, 'the alternate screen is gone: the terminal shows what it showed before')
})

test('colours unless NO_COLOR is set', { skip: NO_TMUX }, async t => {
  const net = await createDaemonNet(t, 1, ['carol'])
  const [carol] = net.daemons as [typeof net.daemons[0]]
  const colour = /\x1b\[[0-9;]*?(3[0-7]|38;[0-9;]+|9[0-7])m/ // eslint-disable-line no-control-regex
  // CI in the environment makes Ink draw nothing and chalk drop colour; a terminal still gets both.
  const coloured = openTerminal(t, 'colour', `exec env CI=true node ${shellQuote(SILMARIL_BIN)} tui`, carol.env)
  await coloured.until('the TUI', s => s.includes('[1 Transfers]'))
  assert.match(coloured.screen({ escapes: true }), colour)
  const plain = openTerminal(t, 'plain', `exec env NO_COLOR=1 node ${shellQuote(SILMARIL_BIN)} tui`, carol.env)
  await plain.until('the TUI', s => s.includes('[1 Transfers]'))
  assert.doesNotMatch(plain.screen({ escapes: true }), colour)
})

test('not a terminal: refuses with a pointer to the plain commands', async () => {
  const result = await runBin(SILMARIL_BIN, ['tui'], { ...process.env, SILMARIL_DAEMON_URL: 'http://127.0.0.1:9' })
  assert.equal(result.code, 2)
  assert.equal(result.stdout, '')
  assert.match(result.stderr, /silmaril tui needs a terminal; .*"silmaril transfers".*"silmaril list"/)
})
