import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { checkLicensePolicy, checkPublisherPolicy, checkSpace } from '../../src/get/policy.js'
import { parseGetRef } from '../../src/get/ref.js'
import { selectPaths } from '../../src/get/selection.js'
import { DEFAULTS } from '../../src/config/schema.js'

const V1 = 'ab'.repeat(20)
const V2 = 'cd'.repeat(32)

test('get refs: names with revisions, magnets with btih and btmh, bare infohashes', () => {
  assert.deepEqual(parseGetRef('acme/llama'), { kind: 'name', name: 'acme/llama' })
  assert.deepEqual(parseGetRef('acme/llama@v1.0'), { kind: 'name', name: 'acme/llama', revision: 'v1.0' })
  assert.deepEqual(parseGetRef('acme/llama', 'v2'), { kind: 'name', name: 'acme/llama', revision: 'v2' })
  assert.throws(() => parseGetRef('acme/llama@v1', 'v2'), /names revision v1 but --revision says v2/)
  assert.deepEqual(parseGetRef(V1.toUpperCase()), { kind: 'torrent', infoHashV1: V1 })
  assert.deepEqual(parseGetRef(V2), { kind: 'torrent', infoHashV2: V2 })
  assert.deepEqual(parseGetRef(`magnet:?xt=urn:btih:${V1}&xt=urn:btmh:1220${V2}&dn=llama`), { kind: 'torrent', infoHashV1: V1, infoHashV2: V2, name: 'llama' })
  assert.throws(() => parseGetRef('not a model'), /neither a model name/)
  assert.throws(() => parseGetRef('  '), /say which model/)
})

test('--include and --exclude: whole paths or file names; the manifest always; nothing matching is an error listing the files', () => {
  const paths = ['.silmaril.json', 'config.json', 'q4/model-Q4_K_M.gguf', 'q8/model-Q8_0.gguf', 'README.md']
  assert.deepEqual([...selectPaths(paths, {})].sort(), [...paths].sort())
  assert.deepEqual([...selectPaths(paths, { include: ['*Q4_K_M*'] })].sort(), ['.silmaril.json', 'q4/model-Q4_K_M.gguf'])
  assert.deepEqual([...selectPaths(paths, { include: ['q8/**'], exclude: [] })].sort(), ['.silmaril.json', 'q8/model-Q8_0.gguf'])
  assert.deepEqual([...selectPaths(paths, { exclude: ['*.gguf'] })].sort(), ['.silmaril.json', 'README.md', 'config.json'])
  assert.throws(() => selectPaths(paths, { include: ['*.safetensors'] }), /no file of the model matches --include '\*\.safetensors'; its files are: config\.json, q4\/model-Q4_K_M\.gguf/)
  assert.throws(() => selectPaths(paths, { include: [' '] }), /empty --include/)
})

test('license policy: listed licenses pass, others need --accept-license and the refusal says how', () => {
  const policy = { ...DEFAULTS.policy, accept_licenses: ['mit', 'apache-2.0'] }
  checkLicensePolicy('MIT', policy, false, 'acme/x')
  checkLicensePolicy('llama3', policy, true, 'acme/x')
  assert.throws(() => checkLicensePolicy('llama3', policy, false, 'acme/x'), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'policy')
    assert.match(err.message, /acme\/x is under llama3, which policy\.accept_licenses does not list \(mit, apache-2\.0\); .*--accept-license.*add "llama3" to policy\.accept_licenses/)
    return true
  })
  checkLicensePolicy('anything', { ...policy, accept_licenses: ['*'] }, false, 'acme/x')
  assert.throws(() => checkPublisherPolicy('ee'.repeat(32), { ...policy, blocked_publishers: ['EE'.repeat(32)] }, 'acme/x'), /blocked_publishers blocks/)
})

test('space: the quota counts what is there, free space is checked, both with a way out', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'silmaril-space-'))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  const gib = 1024 ** 3
  await checkSpace({ dir, needed: 1024, used: 0, quotaGb: 0 })
  await assert.rejects(checkSpace({ dir, needed: 2 * gib, used: 9 * gib, quotaGb: 10 }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'policy')
    assert.match(err.message, /needs 2\.0 GiB but the data dir already holds 9\.0 of the 10 GiB limits\.disk_quota_gb/)
    return true
  })
  await assert.rejects(checkSpace({ dir, needed: 2 ** 60, used: 0, quotaGb: 0 }), /GiB is free in/)
})
