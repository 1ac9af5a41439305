import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { NodeSnapshot } from '../../src/api/types.js'
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
  rates: { download_bps: 0, upload_bps: 0 }
}

function api (overrides: Partial<ApiContext> = {}) {
  let shutdowns = 0
  const ctx: ApiContext = {
    node: {
      snapshot: () => SNAPSHOT,
      listModels: async () => [{ name: 'org/model', revision: 'main', license: 'mit', path: '/m', size: 10, files: 2 }],
      dhtNodes: () => [{ host: '127.0.0.1', port: 1, id: '00'.repeat(20) }]
    },
    shutdown: () => { shutdowns++ },
    ...overrides
  }
  const app = buildApi(ctx, { token: TOKEN })
  return { app, shutdowns: () => shutdowns }
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

test('features built later answer 501 with a clear error, never a fake success', async () => {
  const { app } = api()
  for (const [method, url] of [['GET', '/api/v1/discover?pattern=llama'], ['GET', '/api/v1/transfers'], ['PUT', '/api/v1/transfers/x/pause'], ['GET', '/api/v1/events']] as const) {
    const res = await app.inject({ method, url, headers: auth })
    assert.equal(res.statusCode, 501, url)
    assert.equal(res.json().error.code, 'not_implemented')
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
