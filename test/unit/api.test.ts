import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { NodeSnapshot, ServerEvent, TransferInfo } from '../../src/api/types.js'
import { SilmarilError } from '../../src/errors.js'
import type { ApiContext } from '../../src/daemon/context.js'
import { buildApi } from '../../src/daemon/server.js'

const TOKEN = 'test-token-0123456789'

const SNAPSHOT: NodeSnapshot = {
  version: '0.0.0-test',
  pid: 1,
  started_at: '2026-01-01T00:00:00.000Z',
  uptime_s: 5,
  data_dir: '/tmp/x',
  publisher: { id: 'ab'.repeat(32), fingerprint: 'abab:abab:abab:abab' },
  dht: { enabled: true, port: 1234, nodes: 3, ready: true },
  torrent: { port: 4321 },
  transfers: { total: 0, downloading: 0, seeding: 0 },
  peers: 0,
  rates: { download_bps: 0, upload_bps: 0 },
  tasks: [],
  catalog: null
}

const SHARED = { name: 'org/model', revision: 'main', infohash: 'a'.repeat(40), infohash_v2: 'b'.repeat(64), magnet: 'magnet:?', path: '/m', size: 1, files: 1, publisher: 'c'.repeat(64), signed: true, unchanged: false }

const TRANSFER: TransferInfo = {
  id: 'a'.repeat(40), kind: 'download', state: 'downloading', paused: false, name: 'org/model', revision: 'main', publisher: null, license: 'mit',
  infohash: 'a'.repeat(40), infohash_v2: null, magnet: 'magnet:?', path: '/s', total_bytes: 10, done_bytes: 5, progress: 0.5,
  download_bps: 1, upload_bps: 0, uploaded_bytes: 0, downloaded_bytes: 5, origin_bytes: 0, ratio: 0, peers: 1, seeders: 1, eta_s: 5,
  started_at: '2026-01-01T00:00:00.000Z', completed_at: null, error: null
}

const listeners = new Set<(event: ServerEvent) => void>()

function api (overrides: Partial<ApiContext> = {}) {
  let shutdowns = 0
  const shareCalls: Array<[string, unknown]> = []
  const ctx: ApiContext = {
    node: {
      snapshot: () => SNAPSHOT,
      listModels: async () => [{ name: 'org/model', revision: 'main', license: 'mit', path: '/m', size: 10, files: 2 }],
      dhtNodes: () => [{ host: '127.0.0.1', port: 1, id: '00'.repeat(20) }],
      torrentFile: async name => name === 'org/model' ? Buffer.from('d4:infode') : undefined,
      discover: async (query, options) => { shareCalls.push(['discover', [query, options]]); return [] },
      share: {
        shareFolder: async request => { shareCalls.push(['folder', request]); return SHARED },
        shareUrl: async request => { shareCalls.push(['url', request]); return SHARED },
        shareModel: async name => { shareCalls.push(['model', name]); return SHARED },
        shareAll: async () => { shareCalls.push(['all', null]); return { shared: [SHARED], failed: [] } },
        unshare: async (name, options) => { shareCalls.push(['unshare', [name, options]]); return { name, infohash: 'a'.repeat(40), deleted: options?.delete === true, path: '/m' } }
      },
      transfers: {
        download: async request => { shareCalls.push(['download', request]); return TRANSFER },
        list: async () => [TRANSFER],
        get: async id => ({ ...TRANSFER, id, files: [] }),
        pause: async id => { shareCalls.push(['pause', id]); return { ...TRANSFER, state: 'paused', paused: true } },
        resume: async id => { shareCalls.push(['resume', id]); return TRANSFER },
        cancel: async id => { shareCalls.push(['cancel', id]); return { id, cancelled: true as const } },
        resolveId: async id => {
          if (TRANSFER.id.startsWith(id)) return TRANSFER.id
          throw new SilmarilError('not_found', `no transfer ${id}`)
        }
      },
      on: (_event, listener) => { listeners.add(listener) },
      off: (_event, listener) => { listeners.delete(listener) }
    },
    shutdown: () => { shutdowns++ },
    ...overrides
  }
  const app = buildApi(ctx, { token: TOKEN })
  return { app, shutdowns: () => shutdowns, shareCalls }
}

const auth = { authorization: `Bearer ${TOKEN}` }

test('health answers without a token', async () => {
  const { app } = api()
  const res = await app.inject({ method: 'GET', url: '/api/v1/health' })
  assert.equal(res.statusCode, 200)
  assert.deepEqual(res.json(), { status: 'ok', version: '0.0.0-test' })
})

test('every other endpoint needs the bearer token', async () => {
  const { app } = api()
  for (const url of ['/api/v1/status', '/api/v1/models', '/api/v1/network', '/api/v1/transfers']) {
    const missing = await app.inject({ method: 'GET', url })
    assert.equal(missing.statusCode, 401, url)
    assert.equal(missing.json().error.code, 'unauthorized')
    const wrong = await app.inject({ method: 'GET', url, headers: { authorization: 'Bearer nope' } })
    assert.equal(wrong.statusCode, 401, url)
  }
  const shutdown = await app.inject({ method: 'POST', url: '/api/v1/admin/shutdown' })
  assert.equal(shutdown.statusCode, 401)
})

test('status returns the node snapshot', async () => {
  const { app } = api()
  const res = await app.inject({ method: 'GET', url: '/api/v1/status', headers: auth })
  assert.equal(res.statusCode, 200)
  assert.equal(res.json().uptime_s, 5)
  assert.equal(res.json().dht.nodes, 3)
})

test('models: list, one by org/name, 404 for a missing one', async () => {
  const { app } = api()
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/models', headers: auth })).json().models.length, 1)
  const one = await app.inject({ method: 'GET', url: '/api/v1/models/org/model', headers: auth })
  assert.equal(one.json().name, 'org/model')
  const missing = await app.inject({ method: 'GET', url: '/api/v1/models/org/other', headers: auth })
  assert.equal(missing.statusCode, 404)
  assert.equal(missing.json().error.code, 'not_found')
})

test('malformed JSON is a 400 with a JSON error', async () => {
  const { app } = api()
  const res = await app.inject({ method: 'POST', url: '/api/v1/models/download', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"name": ' })
  assert.equal(res.statusCode, 400)
  assert.equal(res.json().error.code, 'bad_request')
  assert.match(res.json().error.message, /not valid JSON/)
})

test('bodies are validated against their schema', async () => {
  const { app } = api()
  const missing = await app.inject({ method: 'POST', url: '/api/v1/models/download', headers: auth, payload: {} })
  assert.equal(missing.statusCode, 400)
  assert.match(missing.json().error.message, /name/)
  const unknown = await app.inject({ method: 'POST', url: '/api/v1/models/share', headers: auth, payload: { path: '/x', colour: 'red' } })
  assert.equal(unknown.statusCode, 400)
  assert.match(unknown.json().error.message, /"colour" is not a known field/)
  const wrongType = await app.inject({ method: 'POST', url: '/api/v1/models/share', headers: auth, payload: { path: 5 } })
  assert.equal(wrongType.statusCode, 400)
})

test('transfers: list, one by a prefix of its id, pause, resume, cancel; unknown ids are a 404', async () => {
  const { app, shareCalls } = api()
  assert.deepEqual((await app.inject({ method: 'GET', url: '/api/v1/transfers', headers: auth })).json(), { transfers: [TRANSFER] })
  const one = await app.inject({ method: 'GET', url: '/api/v1/transfers/aaaaaaaa', headers: auth })
  assert.equal(one.json().id, TRANSFER.id)
  assert.deepEqual(one.json().files, [])
  assert.equal((await app.inject({ method: 'PUT', url: '/api/v1/transfers/aaaaaaaa/pause', headers: auth })).json().state, 'paused')
  assert.equal((await app.inject({ method: 'PUT', url: '/api/v1/transfers/aaaaaaaa/resume', headers: auth })).statusCode, 200)
  assert.deepEqual((await app.inject({ method: 'DELETE', url: '/api/v1/transfers/aaaaaaaa', headers: auth })).json(), { id: TRANSFER.id, cancelled: true })
  assert.deepEqual(shareCalls.map(c => c[0]), ['pause', 'resume', 'cancel'])
  const missing = await app.inject({ method: 'GET', url: '/api/v1/transfers/bbbbbbbb', headers: auth })
  assert.equal(missing.statusCode, 404)
  assert.equal(missing.json().error.code, 'not_found')
})

test('download answers 202 with the transfer; "name" is taken for "ref"; unknown fields are refused', async () => {
  const { app, shareCalls } = api()
  const res = await app.inject({ method: 'POST', url: '/api/v1/models/download', headers: auth, payload: { name: 'org/model', include: ['*.json'] } })
  assert.equal(res.statusCode, 202)
  assert.equal(res.json().id, TRANSFER.id)
  assert.deepEqual(shareCalls[0], ['download', { ref: 'org/model', include: ['*.json'] }])
  const none = await app.inject({ method: 'POST', url: '/api/v1/models/download', headers: auth, payload: {} })
  assert.equal(none.statusCode, 400)
  const unknown = await app.inject({ method: 'POST', url: '/api/v1/models/download', headers: auth, payload: { ref: 'org/model', colour: 'red' } })
  assert.equal(unknown.statusCode, 400)
})

test('events stream as server-sent events, starting with hello and the transfers', async () => {
  const { app } = api()
  await app.listen({ host: '127.0.0.1', port: 0 })
  try {
    const address = app.server.address() as { port: number }
    const controller = new AbortController()
    const res = await fetch(`http://127.0.0.1:${address.port}/api/v1/events`, { headers: auth, signal: controller.signal })
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/)
    const reader = res.body!.getReader()
    let text = ''
    while (!text.includes('event: hello')) text += new TextDecoder().decode((await reader.read()).value)
    for (const listener of listeners) listener({ type: 'transfer-removed', id: 'x' })
    while (!text.includes('event: transfer-removed')) text += new TextDecoder().decode((await reader.read()).value)
    const hello = JSON.parse(/event: hello\ndata: (.*)\n/.exec(text)![1]!) as { transfers: TransferInfo[] }
    assert.equal(hello.transfers[0]?.id, TRANSFER.id)
    assert.match(text, /data: \{"type":"transfer-removed","id":"x"\}/)
    controller.abort()
  } finally {
    await app.close()
  }
})

test('unknown endpoints are a JSON 404', async () => {
  const { app } = api()
  const res = await app.inject({ method: 'GET', url: '/api/v1/nope', headers: auth })
  assert.equal(res.statusCode, 404)
  assert.deepEqual(res.json(), { error: { code: 'not_found', message: 'no such endpoint: GET /api/v1/nope' } })
})

test('shutdown answers 202 and asks the daemon to stop', async () => {
  const { app, shutdowns } = api()
  const res = await app.inject({ method: 'POST', url: '/api/v1/admin/shutdown', headers: auth })
  assert.equal(res.statusCode, 202)
  assert.equal(shutdowns(), 1)
})

test('share dispatches one target, mapping snake_case options', async () => {
  const { app, shareCalls } = api()
  const folder = await app.inject({ method: 'POST', url: '/api/v1/models/share', headers: auth, payload: { path: '/models/x', license: 'mit', version: 'v1', piece_length: 65536, skip_dht: true, sign: false } })
  assert.equal(folder.statusCode, 200, folder.body)
  assert.deepEqual(folder.json(), SHARED)
  assert.deepEqual(shareCalls[0], ['folder', { path: '/models/x', license: 'mit', revision: 'v1', pieceLength: 65536, skipDht: true, sign: false }])
  await app.inject({ method: 'POST', url: '/api/v1/models/share', headers: auth, payload: { url: 'https://h/o/n', license: 'mit', depth: 0, skip_lfs: true } })
  assert.deepEqual(shareCalls[1], ['url', { url: 'https://h/o/n', license: 'mit', depth: 0, skipLfs: true }])
  await app.inject({ method: 'POST', url: '/api/v1/models/share', headers: auth, payload: { model: 'org/model' } })
  assert.deepEqual(shareCalls[2], ['model', 'org/model'])
  const all = await app.inject({ method: 'POST', url: '/api/v1/models/share', headers: auth, payload: { all: true } })
  assert.equal(all.json().shared.length, 1)
})

test('share refuses no target, two targets and relative paths', async () => {
  const { app, shareCalls } = api()
  for (const payload of [{}, { path: '/a', model: 'o/m' }, { path: 'relative/dir' }, { all: false }]) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/models/share', headers: auth, payload })
    assert.equal(res.statusCode, 400, JSON.stringify(payload))
    assert.equal(res.json().error.code, 'bad_request')
  }
  assert.equal(shareCalls.length, 0)
})

test('the .torrent file of a model is served as application/x-bittorrent', async () => {
  const { app } = api()
  const res = await app.inject({ method: 'GET', url: '/api/v1/models/org/model/torrent', headers: auth })
  assert.equal(res.statusCode, 200)
  assert.equal(res.headers['content-type'], 'application/x-bittorrent')
  assert.equal(res.body, 'd4:infode')
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/models/org/none/torrent', headers: auth })).statusCode, 404)
})

test('DELETE a model unshares it, deleting files only when asked', async () => {
  const { app, shareCalls } = api()
  const kept = await app.inject({ method: 'DELETE', url: '/api/v1/models/org/model', headers: auth })
  assert.equal(kept.statusCode, 200)
  assert.equal(kept.json().deleted, false)
  const deleted = await app.inject({ method: 'DELETE', url: '/api/v1/models/org/model?delete=true', headers: auth })
  assert.equal(deleted.json().deleted, true)
  assert.deepEqual(shareCalls, [['unshare', ['org/model', { delete: false }]], ['unshare', ['org/model', { delete: true }]]])
  assert.equal((await app.inject({ method: 'DELETE', url: '/api/v1/models/org/model?delete=maybe', headers: auth })).statusCode, 400)
})

test('discover passes the query and refresh flag on, and validates them', async () => {
  const { app, shareCalls } = api()
  const res = await app.inject({ method: 'GET', url: '/api/v1/discover?pattern=llama&tag=gguf&publisher=77FF:8490&refresh=true&limit=5', headers: auth })
  assert.equal(res.statusCode, 200, res.body)
  assert.deepEqual(res.json(), { results: [] })
  assert.deepEqual(shareCalls[0], ['discover', [{ pattern: 'llama', tag: 'gguf', publisher: '77ff:8490', limit: 5 }, { refresh: true }]])
  for (const bad of ['limit=0', 'refresh=maybe', 'publisher=xyz', 'colour=red']) {
    assert.equal((await app.inject({ method: 'GET', url: `/api/v1/discover?${bad}`, headers: auth })).statusCode, 400, bad)
  }
})

test('closing the API ends open event streams instead of waiting for them', async () => {
  const { app } = api()
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address() as { port: number }
  const res = await fetch(`http://127.0.0.1:${address.port}/api/v1/events`, { headers: auth })
  const reader = res.body!.getReader()
  await reader.read()
  await app.close()
  for (;;) if ((await reader.read()).done) break
})
