import assert from 'node:assert/strict'
import { mkdtemp, writeFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { configFilePath, DEFAULTS, parseConfigText, renderConfig, resolveConfig } from '../../src/config/index.js'
import { SilmarilError } from '../../src/errors.js'

async function tempDir (t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'silmaril-config-'))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

function configError (fn: () => unknown): SilmarilError {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof SilmarilError, `expected a SilmarilError, got ${String(err)}`)
    return err
  }
  assert.fail('expected an error')
}

test('defaults apply when there is no config file', async t => {
  const home = await tempDir(t)
  const { config, dataDir, configFileExists, configFile } = await resolveConfig({ env: {}, homedir: home })
  assert.equal(configFileExists, false)
  assert.equal(configFile, join(home, '.config', 'silmaril', 'config.yaml'))
  assert.equal(dataDir, join(home, '.silmaril'))
  assert.equal(config.daemon.port, 8737)
  assert.equal(config.daemon.bind_address, '127.0.0.1')
  assert.deepEqual(config.network.bootstrap_nodes, DEFAULTS.network.bootstrap_nodes)
})

test('precedence: flags > env > file > defaults', async t => {
  const dir = await tempDir(t)
  const file = join(dir, 'config.yaml')
  await writeFile(file, 'daemon:\n  port: 9001\n  auto_start: false\nnetwork:\n  listen_port: 7000\n  max_connections: 7\n')
  const env = { SILMARIL_CONFIG: file, SILMARIL_DAEMON_PORT: '9002', SILMARIL_NETWORK_LISTEN_PORT: '7001' }
  const { config } = await resolveConfig({ env, homedir: dir, overrides: { 'daemon.port': 9003 } })
  assert.equal(config.daemon.port, 9003, 'flag wins over env and file')
  assert.equal(config.network.listen_port, 7001, 'env wins over file')
  assert.equal(config.network.max_connections, 7, 'file wins over defaults')
  assert.equal(config.daemon.auto_start, false)
  assert.equal(config.torrent.piece_length, 0, 'defaults fill the rest')
})

test('SILMARIL_HOME alone moves both the data dir and the config file', async t => {
  const dir = await tempDir(t)
  const home = join(dir, 'data')
  assert.equal(configFilePath({ env: { SILMARIL_HOME: home }, homedir: dir }), join(home, 'config.yaml'))
  assert.equal(configFilePath({ env: { SILMARIL_HOME: home, SILMARIL_CONFIG: '/etc/s.yaml' }, homedir: dir }), '/etc/s.yaml')
  assert.equal(configFilePath({ home, config: '/x.yaml', env: {}, homedir: dir }), '/x.yaml')
  const resolved = await resolveConfig({ env: { SILMARIL_HOME: home }, homedir: dir })
  assert.equal(resolved.dataDir, home)
  assert.equal(resolved.config.storage.base_dir, home)
})

test('--home beats SILMARIL_HOME and storage.base_dir', async t => {
  const dir = await tempDir(t)
  const file = join(dir, 'c.yaml')
  await writeFile(file, `storage:\n  base_dir: ${join(dir, 'from-file')}\n`)
  const fromFile = await resolveConfig({ config: file, env: {}, homedir: dir })
  assert.equal(fromFile.dataDir, join(dir, 'from-file'))
  const fromEnv = await resolveConfig({ config: file, env: { SILMARIL_HOME: join(dir, 'env') }, homedir: dir })
  assert.equal(fromEnv.dataDir, join(dir, 'env'))
  const fromFlag = await resolveConfig({ config: file, home: join(dir, 'flag'), env: { SILMARIL_HOME: join(dir, 'env') }, homedir: dir })
  assert.equal(fromFlag.dataDir, join(dir, 'flag'))
})

test('a bad value names the file, the line and the key', () => {
  const err = configError(() => parseConfigText('daemon:\n  bind_address: 127.0.0.1\n  port: "eighty"\n', '/etc/silmaril.yaml'))
  assert.equal(err.code, 'config_invalid')
  assert.match(err.message, /^\/etc\/silmaril\.yaml:3: daemon\.port: must be a whole number$/)
  assert.deepEqual(err.details, { file: '/etc/silmaril.yaml', line: 3, key: 'daemon.port' })
})

test('out-of-range values, bad piece lengths and bad bootstrap entries are refused', () => {
  assert.match(configError(() => parseConfigText('network:\n  listen_port: 70000\n', 'c.yaml')).message, /c\.yaml:2: network\.listen_port: must be at most 65535/)
  assert.match(configError(() => parseConfigText('torrent:\n  piece_length: 1000\n', 'c.yaml')).message, /c\.yaml:2: torrent\.piece_length: must be 0 \(automatic\) or a power of two/)
  assert.match(configError(() => parseConfigText('network:\n  bootstrap_nodes:\n    - 127.0.0.1:6881\n    - nope\n', 'c.yaml')).message, /c\.yaml:4: network\.bootstrap_nodes: has an invalid entry: each entry must be host:port/)
  assert.match(configError(() => parseConfigText('network: 5\n', 'c.yaml')).message, /c\.yaml:1: network: must be a mapping of keys/)
})

test('broken YAML is reported with its line, not a stack trace', () => {
  const err = configError(() => parseConfigText('daemon:\n  port: 1\n bad indent: [\n', 'c.yaml'))
  assert.equal(err.code, 'config_invalid')
  assert.match(err.message, /^c\.yaml:\d+: invalid YAML: /)
  assert.match(configError(() => parseConfigText('- a\n- b\n', 'c.yaml')).message, /c\.yaml:1: must be a mapping of sections/)
  assert.match(configError(() => parseConfigText('daemon:\n  port: 1\n  port: 2\n', 'c.yaml')).message, /c\.yaml:3: invalid YAML: .*unique/i)
})

test('unknown keys and sections are reported with their lines, and ignored', () => {
  const warnings: Array<{ line?: number, key: string }> = []
  const layer = parseConfigText('daemon:\n  port: 9000\n  colour: blue\nextras:\n  a: 1\n', 'c.yaml', warnings as never)
  assert.deepEqual(layer, { daemon: { port: 9000 } })
  assert.deepEqual(warnings.map(w => [w.key, w.line]), [['daemon.colour', 3], ['extras', 4]])
})

test('an empty file and empty sections are fine', () => {
  assert.deepEqual(parseConfigText('', 'c.yaml'), {})
  assert.deepEqual(parseConfigText('# only a comment\n', 'c.yaml'), {})
  assert.deepEqual(parseConfigText('daemon:\n', 'c.yaml'), {})
})

test('environment values are typed after the defaults and bad ones are named', async t => {
  const dir = await tempDir(t)
  const { config, warnings } = await resolveConfig({
    env: {
      SILMARIL_HOME: dir,
      SILMARIL_NETWORK_DHT_ENABLED: 'false',
      SILMARIL_NETWORK_BOOTSTRAP_NODES: '127.0.0.1:1, 127.0.0.1:2',
      SILMARIL_LIMITS_DISK_QUOTA_GB: '1.5',
      SILMARIL_WHATEVER: 'x'
    },
    homedir: dir
  })
  assert.equal(config.network.dht_enabled, false)
  assert.deepEqual(config.network.bootstrap_nodes, ['127.0.0.1:1', '127.0.0.1:2'])
  assert.equal(config.limits.disk_quota_gb, 1.5)
  assert.deepEqual(warnings.map(w => w.key), ['SILMARIL_WHATEVER'])
  await assert.rejects(resolveConfig({ env: { SILMARIL_HOME: dir, SILMARIL_DAEMON_AUTO_START: 'maybe' }, homedir: dir }), /SILMARIL_DAEMON_AUTO_START: expected true or false/)
  await assert.rejects(resolveConfig({ env: { SILMARIL_HOME: dir, SILMARIL_DAEMON_PORT: '99999' }, homedir: dir }), /SILMARIL_DAEMON_PORT: must be at most 65535/)
})

test('flags are validated and unknown settings refused', async t => {
  const dir = await tempDir(t)
  await assert.rejects(resolveConfig({ env: { SILMARIL_HOME: dir }, homedir: dir, overrides: { 'daemon.port': -1 } }), /--daemon\.port: must be at least 0/)
  await assert.rejects(resolveConfig({ env: { SILMARIL_HOME: dir }, homedir: dir, overrides: { 'daemon.nope': 1 } }), /unknown setting "daemon\.nope"/)
})

test('an unreadable config path is a config error', async t => {
  const dir = await tempDir(t)
  await assert.rejects(resolveConfig({ config: dir, env: {}, homedir: dir }), (err: unknown) => err instanceof SilmarilError && err.code === 'config_invalid' && /is a directory/.test(err.message))
})

test('the rendered default config parses back to the same values', () => {
  const text = renderConfig(DEFAULTS)
  assert.deepEqual(parseConfigText(text, 'rendered.yaml'), JSON.parse(JSON.stringify(DEFAULTS)))
})
