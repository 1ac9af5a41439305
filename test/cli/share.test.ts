import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import type { LocalModel, ShareAllResult, ShareResult } from '../../src/api/types.js'
import { parseManifest } from '../../src/share/manifest.js'
import { parseHybridTorrent } from '../../src/share/torrent/index.js'
import { assertCleanError, createCliHome, type CliHome } from '../helpers/cli.js'
import { writeModelFolder } from '../helpers/model-folder.js'

async function torrentOf (cli: CliHome, name: string): Promise<Buffer> {
  const info = JSON.parse(await readFile(join(cli.home, 'daemon.json'), 'utf8')) as { url: string }
  const token = (await readFile(join(cli.home, 'api-token'), 'utf8')).trim()
  const res = await fetch(`${info.url}/api/v1/models/${name}/torrent`, { headers: { authorization: `Bearer ${token}` } })
  assert.equal(res.status, 200)
  return Buffer.from(await res.arrayBuffer())
}

test('share a folder: signed manifest, hybrid torrent, seeding, the chosen name printed', async t => {
  const cli = await createCliHome(t)
  const folder = await writeModelFolder(join(cli.dir, 'Tiny Llama'))
  const human = await cli.run(['share', folder, '--license', 'MIT', '--tags', 'chat,test', '--description', 'a tiny test model'], { SILMARIL_SHARE_DEFAULT_ORG: 'acme' })
  assert.equal(human.code, 0, human.stderr)
  assert.match(human.stderr, /name: acme\/Tiny-Llama \(set --name org\/model to choose another\)/)
  assert.match(human.stdout, /^name\tacme\/Tiny-Llama$/m)
  assert.match(human.stdout, /^magnet\tmagnet:\?xt=urn:btih:[0-9a-f]{40}&xt=urn:btmh:1220[0-9a-f]{64}&dn=Tiny-Llama$/m)

  const result = await cli.json<ShareResult>(['share', folder])
  assert.equal(result.name, 'acme/Tiny-Llama')
  assert.equal(result.revision, 'main')
  assert.equal(result.path, folder)
  assert.equal(result.files, 4)
  assert.equal(result.unchanged, true, 'sharing an unchanged folder again keeps its torrent')
  assert.match(result.infohash, /^[0-9a-f]{40}$/)
  assert.match(result.infohash_v2, /^[0-9a-f]{64}$/)
  assert.ok(result.magnet.includes(result.infohash) && result.magnet.includes(`1220${result.infohash_v2}`))
  for (const key of ['name', 'revision', 'infohash', 'infohash_v2', 'magnet', 'path', 'size', 'files']) assert.ok(key in result, key)

  const { manifest, signed } = parseManifest(await readFile(join(folder, '.silmaril.json')), 'manifest')
  assert.equal(signed, true)
  assert.equal(manifest.license, 'mit')
  assert.equal(manifest.description, 'a tiny test model')
  assert.deepEqual(manifest.files.map(f => f.path), ['config.json', 'model.safetensors', 'tokenizer.json'])
  for (const tag of ['chat', 'test', 'safetensors', 'llama', 'f16']) assert.ok(manifest.tags.includes(tag), `tag ${tag} in ${manifest.tags.join(',')}`)
  assert.equal((manifest.format as { format?: string }).format, 'safetensors')
  const status = await cli.json<{ publisher: { id: string } }>(['daemon', 'status'])
  assert.equal(manifest.publisher, status.publisher.id)

  const torrent = parseHybridTorrent(await torrentOf(cli, 'acme/Tiny-Llama'))
  assert.equal(torrent.infoHashV1, result.infohash)
  assert.equal(torrent.infoHashV2, result.infohash_v2)
  assert.deepEqual(torrent.files.filter(f => !f.pad).map(f => f.path), ['.silmaril.json', 'config.json', 'model.safetensors', 'tokenizer.json'])
  assert.deepEqual(await readdir(folder).then(names => names.sort()), ['.silmaril.json', 'config.json', 'model.safetensors', 'tokenizer.json'], 'no .pad folder, nothing else written')

  const [listed] = await cli.json<LocalModel[]>(['list'])
  assert.equal(listed?.name, 'acme/Tiny-Llama')
  assert.equal(listed?.seeding, true)
  assert.equal(listed?.infohash, result.infohash)
})

test('the same folder and manifest give the same torrent bytes; a metadata change re-signs without re-hashing the weights', async t => {
  const cli = await createCliHome(t)
  const folder = await writeModelFolder(join(cli.dir, 'model'))
  const first = await cli.json<ShareResult>(['share', folder, '--name', 'acme/model', '--license', 'mit'])
  const bytes = await torrentOf(cli, 'acme/model')
  assert.equal((await cli.run(['daemon', 'stop'])).code, 0)
  const again = await cli.json<ShareResult>(['share', folder])
  assert.equal(again.infohash, first.infohash)
  assert.deepEqual(await torrentOf(cli, 'acme/model'), bytes)

  const relicensed = await cli.json<ShareResult>(['share', folder, '--license', 'apache-2.0'])
  assert.notEqual(relicensed.infohash, first.infohash)
  assert.equal(relicensed.unchanged, false)
  assert.equal(parseManifest(await readFile(join(folder, '.silmaril.json')), 'm').manifest.license, 'apache-2.0')
})

test('share --all after a restart resumes every model without re-hashing unchanged files', async t => {
  const cli = await createCliHome(t)
  const a = await cli.json<ShareResult>(['share', await writeModelFolder(join(cli.dir, 'a'), { seed: 1 }), '--name', 'acme/a', '--license', 'mit'])
  const b = await cli.json<ShareResult>(['share', await writeModelFolder(join(cli.dir, 'b'), { seed: 2 }), '--name', 'acme/b', '--license', 'mit', '--skip-dht'])
  assert.equal((await cli.run(['daemon', 'stop'])).code, 0)
  await writeFile(join(cli.dir, 'b', 'tokenizer.json'), '{"changed":true}')

  assert.equal((await cli.run(['daemon', 'start'])).code, 0)
  const all = await cli.json<ShareAllResult>(['share', '--all'])
  assert.deepEqual(all.shared.map(r => [r.name, r.infohash]).sort(), [['acme/a', a.infohash], ['acme/b', b.infohash]])
  assert.deepEqual(all.failed, [])
  const log = await readFile(join(cli.home, 'daemon.log'), 'utf8')
  const resumed = log.split('\n').filter(l => l.includes('"seeding-resumed"')).map(l => JSON.parse(l) as { name: string, rechecked: boolean })
  assert.deepEqual(resumed.map(r => [r.name, r.rechecked]).sort(), [['acme/a', false], ['acme/b', true]], 'only the changed model is checked again')
  const models = await cli.json<LocalModel[]>(['list'])
  assert.deepEqual(models.map(m => [m.name, m.seeding]), [['acme/a', true], ['acme/b', true]])
})

test('share a git repository by URL: cloned into models/, source recorded, .git left out', async t => {
  const cli = await createCliHome(t)
  const work = await writeModelFolder(join(cli.dir, 'work'))
  const bare = join(cli.dir, 'repos', 'acme', 'cloned-model.git')
  const git = (args: string[], cwd: string): string => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } }).trim()
  git(['init', '-q', '-b', 'main'], work)
  git(['add', '.'], work)
  git(['commit', '-q', '-m', 'model'], work)
  await mkdir(join(bare, '..'), { recursive: true })
  git(['clone', '-q', '--bare', work, bare], cli.dir)
  const commit = git(['rev-parse', 'HEAD'], work)

  const result = await cli.json<ShareResult>(['share', `file://${bare}`, '--license', 'apache-2.0'])
  assert.equal(result.name, 'acme/cloned-model')
  assert.equal(result.path, join(cli.home, 'models', 'acme', 'cloned-model'))
  const { manifest } = parseManifest(await readFile(join(result.path, '.silmaril.json')), 'm')
  assert.deepEqual(manifest.source, { url: `file://${bare}`, commit })
  assert.ok(!manifest.files.some(f => f.path.startsWith('.git/')))
  assert.deepEqual(await readdir(join(cli.home, 'staging')), [], 'no clone left in staging')

  const twice = await cli.run(['share', `file://${bare}`, '--license', 'apache-2.0'])
  assert.equal(twice.code, 1)
  assert.match(twice.stderr, /already exists; share it with "silmaril share acme\/cloned-model"/)
  const missing = await cli.run(['share', `file://${join(cli.dir, 'nope.git')}`, '--license', 'mit'])
  assert.equal(missing.code, 1)
  assert.match(missing.stderr, /git clone failed/)
  assertCleanError(missing.stderr)
  await assert.rejects(stat(join(cli.home, 'models', cli.dir.split('/').at(-1) ?? '', 'nope')))
})

test('bad share inputs give a clear error, a non-zero exit, and leave nothing behind', async t => {
  const cli = await createCliHome(t)
  const folder = await writeModelFolder(join(cli.dir, 'model'))
  const outside = join(cli.dir, 'secret.txt')
  await writeFile(outside, 'not for sharing')
  const linked = await writeModelFolder(join(cli.dir, 'linked'))
  await symlink(outside, join(linked, 'escape.txt'))
  const empty = join(cli.dir, 'empty')
  await mkdir(empty)

  const cases: Array<[string[], number, RegExp]> = [
    [['share', folder], 2, /has no manifest yet, so --license is required/],
    [['share', folder, '--license', 'mit', '--name', 'no-slash'], 2, /"no-slash" is not a valid model name/],
    [['share', folder, '--license', 'not a license!'], 2, /not a valid license id/],
    [['share', folder, '--license', 'mit', '--piece-length', '1000'], 2, /piece/i],
    [['share', join(cli.dir, 'missing'), '--license', 'mit'], 4, /is neither a folder, a repository URL nor a local model/],
    [['share', linked, '--license', 'mit'], 2, /escape\.txt is a symlink to .*secret\.txt, outside the model folder/],
    [['share', empty, '--license', 'mit'], 2, /has no files to share/],
    [['share'], 2, /name a folder, a repository URL or a local model/],
    [['share', 'acme/unknown'], 4, /no local model named acme\/unknown/]
  ]
  for (const [args, code, message] of cases) {
    const result = await cli.run(args)
    assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`)
    assert.match(result.stderr, message, args.join(' '))
    assertCleanError(result.stderr)
    assert.equal(result.stdout, '')
  }
  await assert.rejects(stat(join(folder, '.silmaril.json')), 'no manifest was written')
  await assert.rejects(stat(join(linked, '.silmaril.json')))
  assert.deepEqual(await cli.json<LocalModel[]>(['list']), [], 'nothing registered')
  await rm(outside)
})

test('share a repository that stores weights in Git LFS: pulled when git-lfs exists, a clear error naming it when not', async t => {
  const lfs = spawnSync('git', ['lfs', 'version'], { encoding: 'utf8' })
  if (lfs.status !== 0) { t.skip(`git-lfs not installed: ${(lfs.stderr || lfs.error?.message) ?? ''}`.trim()); return }
  const cli = await createCliHome(t)
  const gitEnv = { ...process.env, HOME: cli.dir, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' }
  const git = (args: string[], cwd: string): string => execFileSync('git', args, { cwd, encoding: 'utf8', env: gitEnv }).trim()
  const work = await writeModelFolder(join(cli.dir, 'lfs-work'))
  git(['init', '-q', '-b', 'main'], work)
  git(['lfs', 'install', '--local'], work)
  git(['lfs', 'track', '*.safetensors'], work)
  git(['add', '.'], work)
  git(['commit', '-q', '-m', 'model'], work)
  const bare = join(cli.dir, 'repos', 'acme', 'lfs-model.git')
  await mkdir(bare, { recursive: true })
  git(['init', '-q', '--bare', '-b', 'main'], bare)
  git(['push', '-q', `file://${bare}`, 'main'], work)

  const noLfsPath = join(cli.dir, 'git-only')
  await mkdir(noLfsPath)
  await symlink(execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim(), join(noLfsPath, 'git'))
  const refused = await cli.run(['share', `file://${bare}`, '--license', 'mit', '--name', 'acme/no-lfs'], { PATH: noLfsPath })
  assert.equal(refused.code, 1, refused.stderr)
  assert.match(refused.stderr, /stores files with Git LFS but git-lfs is not installed; install git-lfs .* or share with --skip-lfs/)
  await assert.rejects(stat(join(cli.home, 'models', 'acme', 'no-lfs')), 'nothing half-cloned is left in models/')
  assert.equal((await cli.run(['daemon', 'stop'])).code, 0)

  const result = await cli.json<ShareResult>(['share', `file://${bare}`, '--license', 'mit'])
  assert.equal(result.name, 'acme/lfs-model')
  assert.deepEqual(await readFile(join(result.path, 'model.safetensors')), await readFile(join(work, 'model.safetensors')), 'the real weights, not an LFS pointer')

  const pointers = await cli.json<ShareResult>(['share', `file://${bare}`, '--license', 'mit', '--name', 'acme/pointers-only', '--skip-lfs'])
  assert.match(await readFile(join(pointers.path, 'model.safetensors'), 'utf8'), /^version https:\/\/git-lfs\.github\.com\/spec\/v1/)
})

test('unshare stops seeding and forgets the model; --delete removes files only inside the data dir', async t => {
  const cli = await createCliHome(t)
  const folder = await writeModelFolder(join(cli.dir, 'external'))
  await cli.json<ShareResult>(['share', folder, '--name', 'acme/external', '--license', 'mit'])
  const inside = await writeModelFolder(join(cli.home, 'models', 'acme', 'inside'))
  await cli.json<ShareResult>(['share', inside, '--license', 'mit'])

  const kept = await cli.run(['unshare', 'acme/external', '--delete'])
  assert.equal(kept.code, 0, kept.stderr)
  assert.match(kept.stderr, /kept .*external: it is not inside the data dir/)
  await stat(join(folder, 'model.safetensors'))

  const removed = await cli.json<{ name: string, deleted: boolean }>(['unshare', 'acme/inside', '--delete'])
  assert.deepEqual([removed.name, removed.deleted], ['acme/inside', true])
  await assert.rejects(stat(inside))
  assert.deepEqual(await cli.json<LocalModel[]>(['list']), [])

  const missing = await cli.run(['unshare', 'acme/never'])
  assert.equal(missing.code, 4)
  assert.match(missing.stderr, /no local model named acme\/never/)
  const bad = await cli.run(['unshare', 'nope'])
  assert.equal(bad.code, 2)
})
