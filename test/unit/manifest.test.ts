import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { identityFromSeed } from '../../src/identity.js'
import { buildManifest, manifestBytes, parseManifest, sameManifestContent, type UnsignedManifest } from '../../src/share/manifest.js'
import { scanModelFolder } from '../../src/share/scan.js'
import { canonicalJson, ENTRY_DOMAIN, MANIFEST_DOMAIN, signingBytes, signObject, verifyObject } from '../../src/signed-json.js'
import { checkLicense, isModelName, normalizeTags, parseModelName, toNamePart } from '../../src/models/names.js'

const alice = identityFromSeed(Buffer.alloc(32, 1))
const bob = identityFromSeed(Buffer.alloc(32, 2))

const FIELDS: UnsignedManifest = {
  name: 'acme/tiny-llama',
  revision: 'main',
  license: 'mit',
  tags: ['llama', 'safetensors'],
  description: 'A tiny test model',
  files: [
    { path: 'config.json', size: 10, sha256: 'a'.repeat(64) },
    { path: 'model.safetensors', size: 1000, sha256: 'b'.repeat(64) }
  ],
  format: { format: 'safetensors', safetensors: { files: 1, dtypes: ['F16'], tensor_count: 2, parameter_count: 500 } }
}

test('canonical JSON follows RFC 8785: sorted keys, ES number forms, no whitespace', () => {
  assert.equal(canonicalJson({ b: 1, a: [1e21, 'é', 0.1, -0], c: { z: true, y: null } }), '{"a":[1e+21,"é",0.1,0],"b":1,"c":{"y":null,"z":true}}')
  assert.throws(() => canonicalJson({ a: Number.NaN }), /canonical JSON/)
})

test('signatures cover the domain and the canonical JSON without the signature field', () => {
  const signed = signObject(MANIFEST_DOMAIN, { b: 2, a: 1 }, alice.secretSeed)
  assert.match(signed.signature, /^[0-9a-f]{128}$/)
  assert.equal(signingBytes(MANIFEST_DOMAIN, signed).toString(), 'silmaril/manifest@1\n{"a":1,"b":2}')
  assert.ok(verifyObject(MANIFEST_DOMAIN, signed, alice.publisherId))
  assert.ok(verifyObject(MANIFEST_DOMAIN, { a: 1, b: 2, signature: signed.signature }, alice.publisherId), 'key order does not matter')
  assert.ok(!verifyObject(ENTRY_DOMAIN, signed, alice.publisherId), 'a manifest signature is no entry signature')
  assert.ok(!verifyObject(MANIFEST_DOMAIN, signed, bob.publisherId))
  assert.ok(!verifyObject(MANIFEST_DOMAIN, { ...signed, b: 3 }, alice.publisherId))
  assert.ok(!verifyObject(MANIFEST_DOMAIN, { ...signed, signature: 'zz' }, alice.publisherId))
  assert.ok(!verifyObject(MANIFEST_DOMAIN, { a: 1 }, alice.publisherId))
  assert.equal(signObject(MANIFEST_DOMAIN, { a: 1, b: 2 }, alice.secretSeed).signature, signed.signature, 'ed25519 is deterministic')
})

test('a built manifest round-trips through its file bytes and verifies', () => {
  const manifest = buildManifest(FIELDS, alice, { created: new Date('2026-01-02T03:04:05.000Z') })
  assert.equal(manifest.publisher, alice.publisherId)
  assert.equal(manifest.created, '2026-01-02T03:04:05.000Z')
  const bytes = manifestBytes(manifest)
  assert.ok(bytes.toString().endsWith('}\n'))
  assert.deepEqual(manifestBytes(buildManifest(FIELDS, alice, { created: new Date('2026-01-02T03:04:05.000Z') })), bytes, 'deterministic bytes')
  const parsed = parseManifest(bytes, 'x/.silmaril.json')
  assert.equal(parsed.signed, true)
  assert.deepEqual(parsed.manifest, manifest)
})

test('readers reject a tampered manifest, naming the problem', () => {
  const manifest = buildManifest(FIELDS, alice)
  const tampered = { ...manifest, license: 'apache-2.0' }
  assert.throws(() => parseManifest(JSON.stringify(tampered), 'm.json'), (err: Error & { code?: string }) => err.code === 'verification_failed' && /m\.json: the manifest's signature does not match/.test(err.message))
  const swappedKey = { ...manifest, publisher: bob.publisherId }
  assert.throws(() => parseManifest(JSON.stringify(swappedKey), 'm.json'), /signature does not match/)
  const tamperedFile = { ...manifest, files: [{ path: 'config.json', size: 11, sha256: 'a'.repeat(64) }, FIELDS.files[1]] }
  assert.throws(() => parseManifest(JSON.stringify(tamperedFile), 'm.json'), /signature does not match/)
})

test('readers reject a manifest with a wrong schema', () => {
  const manifest = buildManifest(FIELDS, alice)
  const cases: Array<[unknown, RegExp]> = [
    ['not json', /not valid JSON/],
    [{ ...manifest, schema_version: 2 }, /schema_version/],
    [{ ...manifest, name: 'no-slash' }, /name must match/],
    [{ ...manifest, extra: 1 }, /unknown field "extra"/],
    [{ ...manifest, files: [{ path: '../etc/passwd', size: 1, sha256: 'a'.repeat(64) }] }, /unsafe path/],
    [{ ...manifest, files: [FIELDS.files[1], FIELDS.files[0]] }, /sorted/],
    [{ ...manifest, files: [FIELDS.files[0], FIELDS.files[0]] }, /twice/],
    [{ ...manifest, files: [{ path: 'a', size: -1, sha256: 'a'.repeat(64) }] }, /size/]
  ]
  for (const [value, pattern] of cases) {
    assert.throws(() => parseManifest(typeof value === 'string' ? value : JSON.stringify(value), 'm.json'), pattern)
  }
})

test('unsigned manifests parse as unsigned; same content ignores time and signature', () => {
  const unsigned = buildManifest(FIELDS, alice, { sign: false })
  assert.equal(unsigned.signature, undefined)
  assert.equal(parseManifest(manifestBytes(unsigned), 'm').signed, false)
  const later = buildManifest(FIELDS, alice, { created: new Date(Date.now() + 1000) })
  assert.ok(sameManifestContent(unsigned, later))
  assert.ok(!sameManifestContent(unsigned, buildManifest({ ...FIELDS, license: 'apache-2.0' }, alice)))
})

test('model names, licenses and tags', () => {
  assert.ok(isModelName('meta-llama/Llama-3-8B'))
  assert.ok(isModelName('a/b'))
  for (const bad of ['llama', 'a/b/c', '/a', 'a/', 'a/../b', 'a/.hidden', 'a b/c', 'a/b.']) assert.ok(!isModelName(bad), bad)
  assert.deepEqual(parseModelName('org/x'), { org: 'org', name: 'x', full: 'org/x' })
  assert.throws(() => parseModelName('nope'), /not a valid model name; use org\/name/)
  assert.equal(checkLicense('Apache-2.0'), 'apache-2.0')
  assert.throws(() => checkLicense('not a license'), /not a valid license id/)
  assert.deepEqual(normalizeTags([' Llama', 'gguf', 'llama', '']), ['gguf', 'llama'])
  assert.throws(() => normalizeTags(['bad tag']), /not a valid tag/)
  assert.equal(toNamePart('My Model (v2)'), 'My-Model-v2')
  assert.equal(toNamePart('...'), 'model')
})

async function folder (t: TestContext, files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'silmaril-scan-'))
  t.after(async () => { await rm(dir, { recursive: true, force: true }) })
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true })
    await writeFile(join(dir, path), content)
  }
  return dir
}

test('scanning lists files sorted by UTF-8 path, skips .git and the manifest, follows inner symlinks', async t => {
  const dir = await folder(t, { 'b.txt': 'b', 'a/z.txt': 'zz', 'a.txt': 'a', 'A.txt': 'A', '.gitattributes': '*', '.git/HEAD': 'x', '.silmaril.json': '{}', 'é.txt': 'e' })
  await symlink(join(dir, 'b.txt'), join(dir, 'link-to-b'))
  await mkdir(join(dir, 'empty'))
  const files = await scanModelFolder(dir)
  assert.deepEqual(files.map(f => f.path), ['.gitattributes', 'A.txt', 'a/z.txt', 'a.txt', 'b.txt', 'link-to-b', 'é.txt'])
  assert.equal(files.find(f => f.path === 'a/z.txt')?.size, 2)
})

test('scanning refuses links outside the folder, dangling links, empty folders and missing paths', async t => {
  const outside = await folder(t, { 'secret.txt': 's' })
  const dir = await folder(t, { 'ok.txt': 'x' })
  await symlink(join(outside, 'secret.txt'), join(dir, 'escape'))
  await assert.rejects(scanModelFolder(dir), /escape is a symlink to .*secret\.txt, outside the model folder/)
  const dangling = await folder(t, { 'ok.txt': 'x' })
  await symlink(join(dangling, 'missing'), join(dangling, 'broken'))
  await assert.rejects(scanModelFolder(dangling), /broken is a symlink to something that does not exist/)
  const empty = await folder(t, {})
  await assert.rejects(scanModelFolder(empty), /has no files to share/)
  await assert.rejects(scanModelFolder(join(empty, 'nope')), (err: Error & { code?: string }) => err.code === 'not_found')
  await assert.rejects(scanModelFolder(join(dir, 'ok.txt')), /is not a folder/)
})
