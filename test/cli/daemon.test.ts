import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { isProcessAlive, processStart } from '../../src/daemon-files.js'
import { assertCleanError, createCliHome } from '../helpers/cli.js'

interface DaemonInfo { pid: number, url: string }

const isAlive = isProcessAlive

async function waitGone (pid: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`pid ${pid} still alive after ${ms} ms`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

test('init creates the data dir, a 0600 publisher key and token, and a config', async t => {
  const cli = await createCliHome(t)
  const first = await cli.json<{ data_dir: string, config_file: string, publisher: string, fingerprint: string, created: { identity: boolean, config: boolean } }>(['init'])
  assert.equal(first.data_dir, cli.home)
  assert.equal(first.config_file, join(cli.home, 'config.yaml'))
  assert.match(first.publisher, /^[0-9a-f]{64}$/)
  assert.equal(first.fingerprint, `${first.publisher.slice(0, 4)}:${first.publisher.slice(4, 8)}:${first.publisher.slice(8, 12)}:${first.publisher.slice(12, 16)}`)
  assert.deepEqual(first.created, { identity: true, config: true })
  assert.equal((await stat(join(cli.home, 'identity.key'))).mode & 0o777, 0o600)
  assert.equal((await stat(join(cli.home, 'api-token'))).mode & 0o777, 0o600)
  assert.match(await readFile(first.config_file, 'utf8'), /bind_address: 127\.0\.0\.1/)

  const again = await cli.json<typeof first>(['init'])
  assert.equal(again.publisher, first.publisher, 'a second init keeps the key')
  assert.deepEqual(again.created, { identity: false, config: false })

  const human = await cli.run(['init'])
  assert.equal(human.code, 0)
  assert.match(human.stderr, /already initialized/)
  assert.match(human.stderr, new RegExp(first.fingerprint))
})

test('init --path records the data dir in the default config file', async t => {
  const cli = await createCliHome(t)
  const env = { SILMARIL_HOME: '' }
  const custom = join(cli.dir, 'custom')
  const result = await cli.json<{ data_dir: string, config_file: string }>(['init', '--path', custom], env)
  assert.equal(result.data_dir, custom)
  assert.equal(result.config_file, join(cli.dir, 'xdg', 'silmaril', 'config.yaml'))
  const status = await cli.run(['daemon', 'start', '--json'], env)
  assert.equal(status.code, 0, status.stderr)
  const info = JSON.parse(await readFile(join(custom, 'daemon.json'), 'utf8')) as DaemonInfo
  assert.equal(info.pid, (JSON.parse(status.stdout) as DaemonInfo).pid)
  assert.equal((await cli.run(['daemon', 'stop'], env)).code, 0)
})

test('daemon start, status, second start refused, stop', async t => {
  const cli = await createCliHome(t)
  const start = await cli.run(['daemon', 'start'])
  assert.equal(start.code, 0, start.stderr)
  assert.match(start.stderr, /daemon started \(pid \d+\) at http:\/\/127\.0\.0\.1:\d+/)
  const info = JSON.parse(await readFile(join(cli.home, 'daemon.json'), 'utf8')) as DaemonInfo
  assert.ok(isAlive(info.pid))
  assert.equal(Number(await readFile(join(cli.home, 'daemon.pid'), 'utf8')), info.pid)

  const status = await cli.json<{ running: boolean, pid: number, uptime_s: number, dht: { enabled: boolean, nodes: number }, transfers: { total: number }, peers: number, publisher: { fingerprint: string } }>(['daemon', 'status'])
  assert.equal(status.running, true)
  assert.equal(status.pid, info.pid)
  assert.equal(typeof status.uptime_s, 'number')
  assert.equal(status.dht.enabled, true)
  assert.equal(status.transfers.total, 0)
  assert.equal(status.peers, 0)

  const human = await cli.run(['daemon', 'status'])
  assert.equal(human.code, 0)
  assert.match(human.stdout, /^status\trunning$/m)
  assert.match(human.stdout, new RegExp(`^publisher\t${status.publisher.fingerprint}`, 'm'))

  const second = await cli.run(['daemon', 'start'])
  assert.equal(second.code, 1)
  assert.match(second.stderr, /already running .*pid \d+/)
  assertCleanError(second.stderr)

  const stop = await cli.run(['daemon', 'stop'])
  assert.equal(stop.code, 0, stop.stderr)
  assert.match(stop.stderr, new RegExp(`daemon stopped \\(pid ${info.pid}\\)`))
  assert.equal(isAlive(info.pid), false)
  await assert.rejects(stat(join(cli.home, 'daemon.pid')), 'the pid file is removed')
  await assert.rejects(stat(join(cli.home, 'daemon.json')))

  const after = await cli.run(['daemon', 'status'])
  assert.equal(after.code, 3)
  assert.match(after.stderr, /no daemon is running/)
  const stopAgain = await cli.run(['daemon', 'stop'])
  assert.equal(stopAgain.code, 0)
  assert.match(stopAgain.stderr, /no daemon is running/)
})

test('a second daemon process for the same data dir refuses to start', async t => {
  const cli = await createCliHome(t)
  assert.equal((await cli.run(['daemon', 'start'])).code, 0)
  const { spawnSync } = await import('node:child_process')
  const daemonMain = new URL('../../src/daemon/main.js', import.meta.url).pathname
  const direct = spawnSync(process.execPath, [daemonMain, '--home', cli.home], { env: cli.env, encoding: 'utf8', timeout: 30_000 })
  assert.equal(direct.status, 1)
  assert.match(direct.stderr, /already running for .* \(pid \d+\)/)
})

test('SIGTERM stops the daemon cleanly; a stale pid file after kill -9 does not block a new start', async t => {
  const cli = await createCliHome(t)
  assert.equal((await cli.run(['daemon', 'start'])).code, 0)
  let info = JSON.parse(await readFile(join(cli.home, 'daemon.json'), 'utf8')) as DaemonInfo
  process.kill(info.pid, 'SIGTERM')
  await waitGone(info.pid)
  await assert.rejects(stat(join(cli.home, 'daemon.pid')))
  assert.match(await readFile(join(cli.home, 'daemon.log'), 'utf8'), /"event":"stopped"/)

  assert.equal((await cli.run(['daemon', 'start'])).code, 0)
  info = JSON.parse(await readFile(join(cli.home, 'daemon.json'), 'utf8')) as DaemonInfo
  process.kill(info.pid, 'SIGKILL')
  await waitGone(info.pid)
  const restart = await cli.run(['daemon', 'start'])
  assert.equal(restart.code, 0, restart.stderr)
  assert.equal((await cli.run(['daemon', 'status'])).code, 0)
})

test('daemon files naming a pid now used by another program do not block a start, and stop leaves that program alone', { skip: process.platform !== 'linux' && 'needs /proc' }, async t => {
  const cli = await createCliHome(t)
  // A crashed daemon's files, and its pid since given to an unrelated process.
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' })
  t.after(() => { other.kill('SIGKILL') })
  await once(other, 'spawn')
  const pid = other.pid!
  await mkdir(cli.home, { recursive: true })
  const stale = { pid, url: 'http://127.0.0.1:9', version: '0.0.0', started_at: new Date(0).toISOString(), pid_start: processStart(pid)! - 1 }
  await writeFile(join(cli.home, 'daemon.json'), JSON.stringify(stale))
  await writeFile(join(cli.home, 'daemon.pid'), `${pid}\n`)

  const list = await cli.run(['list'])
  assert.equal(list.code, 0, list.stderr)
  const info = JSON.parse(await readFile(join(cli.home, 'daemon.json'), 'utf8')) as DaemonInfo
  assert.notEqual(info.pid, pid, 'a new daemon was started')
  assert.equal(Number(await readFile(join(cli.home, 'daemon.pid'), 'utf8')), info.pid)
  const stop = await cli.run(['daemon', 'stop'])
  assert.equal(stop.code, 0, stop.stderr)
  await waitGone(info.pid)
  assert.equal(isAlive(pid), true, 'the unrelated process was not signalled')
})

test('a malformed config file stops with file, line and key, and no stack trace', async t => {
  const cli = await createCliHome(t)
  const file = join(cli.dir, 'bad.yaml')
  await writeFile(file, 'daemon:\n  port: 8737\nnetwork:\n  listen_port: lots\n')
  for (const args of [['daemon', 'start', '--config', file], ['list', '--config', file], ['daemon', 'status'], ['init']]) {
    const result = await cli.run(args, { SILMARIL_CONFIG: file })
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`)
    assert.equal(result.stderr.trim(), `silmaril: ${file}:4: network.listen_port: must be a whole number`)
    assert.equal(result.stdout, '')
  }
  await writeFile(file, 'daemon: [oops\n')
  const yaml = await cli.run(['daemon', 'start'], { SILMARIL_CONFIG: file })
  assert.equal(yaml.code, 2)
  assert.match(yaml.stderr, new RegExp(`${file}:\\d+: invalid YAML`))
  assertCleanError(yaml.stderr)
  await assert.rejects(stat(join(cli.home, 'daemon.pid')), 'nothing started')
})

test('unknown config keys are reported but do not stop the command', async t => {
  const cli = await createCliHome(t)
  await cli.run(['init'])
  await writeFile(join(cli.home, 'config.yaml'), 'daemon:\n  auto_start: false\n  colour: blue\n')
  const result = await cli.run(['list'])
  assert.equal(result.code, 3, 'auto_start is off and no daemon runs')
  assert.match(result.stderr, /config\.yaml:3: unknown key "daemon\.colour" is ignored/)
  assert.match(result.stderr, /daemon\.auto_start is off/)
})

test('the API refuses requests without the token and malformed JSON', async t => {
  const cli = await createCliHome(t)
  assert.equal((await cli.run(['daemon', 'start'])).code, 0)
  const info = JSON.parse(await readFile(join(cli.home, 'daemon.json'), 'utf8')) as DaemonInfo
  const token = (await readFile(join(cli.home, 'api-token'), 'utf8')).trim()

  const health = await fetch(`${info.url}/api/v1/health`)
  assert.equal(health.status, 200)
  const noToken = await fetch(`${info.url}/api/v1/status`)
  assert.equal(noToken.status, 401)
  assert.equal((await noToken.json() as { error: { code: string } }).error.code, 'unauthorized')
  const withToken = await fetch(`${info.url}/api/v1/status`, { headers: { authorization: `Bearer ${token}` } })
  assert.equal(withToken.status, 200)
  const malformed = await fetch(`${info.url}/api/v1/models/download`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"name":' })
  assert.equal(malformed.status, 400)
  assert.equal((await malformed.json() as { error: { code: string } }).error.code, 'bad_request')

  const listed = await cli.json<unknown[]>(['list'])
  assert.deepEqual(listed, [])
  const wrongToken = await cli.run(['daemon', 'status'], { SILMARIL_TOKEN: 'wrong' })
  assert.equal(wrongToken.code, 1)
  assert.match(wrongToken.stderr, /bearer token is not valid/)
})

test('list starts the daemon on demand when auto_start is on', async t => {
  const cli = await createCliHome(t)
  const listed = await cli.run(['list'])
  assert.equal(listed.code, 0, listed.stderr)
  assert.match(listed.stderr, /no local models yet/)
  const status = await cli.run(['daemon', 'status', '--json'])
  assert.equal(status.code, 0)
})

test('SILMARIL_DAEMON_URL points the CLI elsewhere; an unreachable daemon exits 3', async t => {
  const cli = await createCliHome(t)
  const result = await cli.run(['list'], { SILMARIL_DAEMON_URL: 'http://127.0.0.1:9' })
  assert.equal(result.code, 3)
  assert.match(result.stderr, /cannot reach the daemon at http:\/\/127\.0\.0\.1:9/)
  const json = await cli.run(['daemon', 'status', '--json'], { SILMARIL_DAEMON_URL: 'http://127.0.0.1:9' })
  assert.equal(json.code, 3)
  assert.equal((JSON.parse(json.stderr) as { error: { code: string } }).error.code, 'daemon_unreachable')
})

test('usage errors exit 2 with a hint; help lists the commands', async t => {
  const cli = await createCliHome(t)
  for (const args of [['frobnicate'], ['daemon'], ['daemon', 'restart'], ['list', '--bogus'], []]) {
    const result = await cli.run(args)
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`)
    assert.match(result.stderr, /silmaril help/)
    assertCleanError(result.stderr)
  }
  const help = await cli.run(['help'])
  assert.equal(help.code, 0)
  for (const command of ['init', 'daemon', 'list', 'help']) assert.match(help.stdout, new RegExp(`silmaril ${command}`))
  assert.match(help.stdout, /Examples:/)
  assert.match(help.stdout, /Exit codes:/)
})

test('init --cleanup needs confirmation, stops the daemon and removes everything', async t => {
  const cli = await createCliHome(t)
  assert.equal((await cli.run(['daemon', 'start'])).code, 0)
  const info = JSON.parse(await readFile(join(cli.home, 'daemon.json'), 'utf8')) as DaemonInfo
  const unconfirmed = await cli.run(['init', '--cleanup'])
  assert.equal(unconfirmed.code, 2)
  assert.match(unconfirmed.stderr, /--yes/)
  await stat(join(cli.home, 'identity.key'))

  const removed = await cli.run(['init', '--cleanup', '--yes'])
  assert.equal(removed.code, 0, removed.stderr)
  assert.equal(isAlive(info.pid), false)
  await assert.rejects(stat(cli.home))

  const notOurs = join(cli.dir, 'precious')
  await (await import('node:fs/promises')).mkdir(notOurs)
  await writeFile(join(notOurs, 'thesis.tex'), 'x')
  const refused = await cli.run(['init', '--cleanup', '--yes', '--path', notOurs])
  assert.equal(refused.code, 2)
  assert.match(refused.stderr, /does not look like a Silmaril data dir/)
  await stat(join(notOurs, 'thesis.tex'))
})
