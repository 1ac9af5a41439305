import assert from 'node:assert/strict'
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import type { NodeSnapshot, ShareResult } from '../../src/api/types.js'
import { createCliHome } from '../helpers/cli.js'
import { libtorrentFetch, libtorrentMissing } from '../helpers/libtorrent-seed.js'
import { writeModelFolder } from '../helpers/model-folder.js'

const FETCH_TIMEOUT_MS = 90_000

test('libtorrent downloads a shared multi-file model from our seeding daemon, byte for byte', async t => {
  const missing = libtorrentMissing()
  if (missing !== undefined) { t.skip(`python3-libtorrent not installed: ${missing}`); return }
  const cli = await createCliHome(t)
  const folder = await writeModelFolder(join(cli.dir, 'model'), { hiddenSize: 384 })
  await mkdir(join(folder, 'nested'))
  await writeFile(join(folder, 'nested', 'odd-size.bin'), Buffer.alloc(70_001, 7))
  await writeFile(join(folder, 'README.md'), '# a model\n')
  const shared = await cli.json<ShareResult>(['share', folder, '--name', 'acme/interop', '--license', 'mit', '--piece-length', '16KiB'])
  const status = await cli.json<NodeSnapshot>(['daemon', 'status'])
  assert.ok(status.torrent.port !== null)

  const info = JSON.parse(await readFile(join(cli.home, 'daemon.json'), 'utf8')) as { url: string }
  const token = (await readFile(join(cli.home, 'api-token'), 'utf8')).trim()
  const res = await fetch(`${info.url}/api/v1/models/acme/interop/torrent`, { headers: { authorization: `Bearer ${token}` } })
  const torrentPath = join(cli.dir, 'interop.torrent')
  await writeFile(torrentPath, Buffer.from(await res.arrayBuffer()))

  const savePath = join(cli.dir, 'libtorrent-download')
  await mkdir(savePath)
  const downloaded = await libtorrentFetch(torrentPath, savePath, `127.0.0.1:${status.torrent.port}`, FETCH_TIMEOUT_MS)
  assert.ok(downloaded >= shared.size, `libtorrent got ${downloaded} bytes of ${shared.size}`)

  const got = join(savePath, 'interop')
  for (const path of ['.silmaril.json', 'README.md', 'config.json', 'model.safetensors', 'nested/odd-size.bin', 'tokenizer.json']) {
    assert.deepEqual(await readFile(join(got, path)), await readFile(join(folder, path)), path)
  }
  assert.ok(!(await readdir(folder)).includes('.pad'), 'the seeding folder never gets pad files')
})
