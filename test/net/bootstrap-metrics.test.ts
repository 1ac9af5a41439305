import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { createBootstrapNode } from '../../bootstrap-node/bootstrap-node.js'
import { health, sample, scrapeMetrics } from '../helpers/bootstrap-ops.js'
import { createKrpcClient, signedPut } from '../helpers/krpc-client.js'
import { teardown } from '../helpers/teardown.js'
import { failOnUnexpectedEvents } from '../helpers/unexpected-events.js'

const TEST_TIMEOUT_MS = 30_000

test('/metrics counts exactly the queries, items, refusals and limits a client caused; /health answers', { timeout: TEST_TIMEOUT_MS }, async t => {
  const cleanup = teardown(t)
  const dataDir = await mkdtemp(join(tmpdir(), 'silmaril-bootstrap-metrics-'))
  cleanup.push(async () => { await rm(dataDir, { recursive: true, force: true }) })
  const node = createBootstrapNode({ host: '127.0.0.1', port: 0, dataDir, maxItemsPerKey: 1, putRateLimit: 0.01, metrics: { host: '127.0.0.1', port: 0 } })
  cleanup.push(async () => { await node.stop() })
  failOnUnexpectedEvents(t, { 'bootstrap node': node })
  const info = await node.start()
  assert.match(info.metricsUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/)
  const url = info.metricsUrl!

  const before = await scrapeMetrics(url)
  assert.equal(sample(before, 'silmaril_bootstrap_dht_queries_total{type="ping"}'), 0)
  assert.equal(sample(before, 'silmaril_bootstrap_bep44_items'), 0)
  assert.ok(sample(before, 'process_resident_memory_bytes') > 0, 'memory is exported')

  const krpc = await createKrpcClient('127.0.0.7', { host: '127.0.0.1', port: info.port })
  cleanup.push(async () => { await krpc.close() })
  const target = Buffer.alloc(20, 3)
  for (let i = 0; i < 3; i++) assert.notEqual(await krpc.query('ping', {}), null)
  for (let i = 0; i < 2; i++) assert.notEqual(await krpc.query('find_node', { target }), null)
  const peers = await krpc.query('get_peers', { info_hash: target })
  const token = peers?.r?.['token'] as Uint8Array
  assert.equal((await krpc.query('announce_peer', { info_hash: target, port: 6881, token }))?.y, 'r')
  assert.equal((await krpc.query('get', { target }))?.y, 'r')
  const seed = new Uint8Array(32).fill(8)
  assert.equal((await krpc.query('put', signedPut(seed, token, { salt: 'one' })))?.y, 'r')
  assert.equal((await krpc.query('put', signedPut(seed, token, { salt: 'two' })))?.y, 'e', 'over the per-key cap')
  // The put bucket (burst 2, one more token per 100 s) is empty now: this one is dropped unanswered.
  assert.equal(await krpc.query('put', signedPut(seed, token, { salt: 'one', seq: 2 }), 300), null)

  const after = await scrapeMetrics(url)
  const expected: Record<string, number> = {
    'silmaril_bootstrap_dht_queries_total{type="ping"}': 3,
    'silmaril_bootstrap_dht_queries_total{type="find_node"}': 2,
    'silmaril_bootstrap_dht_queries_total{type="get_peers"}': 1,
    'silmaril_bootstrap_dht_queries_total{type="announce_peer"}': 1,
    'silmaril_bootstrap_dht_queries_total{type="get"}': 1,
    'silmaril_bootstrap_dht_queries_total{type="put"}': 3,
    'silmaril_bootstrap_dht_queries_total{type="other"}': 0,
    'silmaril_bootstrap_dht_rate_limited_total{limit="put"}': 1,
    'silmaril_bootstrap_dht_rate_limited_total{limit="datagram"}': 0,
    'silmaril_bootstrap_bep44_items': 1,
    'silmaril_bootstrap_bep44_rejected_total{reason="key_cap"}': 1,
    'silmaril_bootstrap_bep44_rejected_total{reason="address_cap"}': 0,
    'silmaril_bootstrap_bep44_rejected_total{reason="bad_signature"}': 0,
    'silmaril_bootstrap_dht_nodes': 1,
    'silmaril_bootstrap_catalog_entries': 0,
    'silmaril_bootstrap_republish_runs_total': 0
  }
  const actual = Object.fromEntries(Object.keys(expected).map(key => [key, sample(after, key)]))
  assert.deepEqual(actual, expected)
  assert.equal(sample(after, `silmaril_bootstrap_info{version="${(await import('../../src/version.js')).VERSION}",node_id="${info.nodeId}",publisher=""}`), 1)

  const healthy = await health(url)
  assert.deepEqual({ ok: healthy.ok, node_id: healthy.node_id, dht_nodes: healthy.dht_nodes, bep44_items: healthy.bep44_items, keeper: healthy.keeper },
    { ok: true, node_id: info.nodeId, dht_nodes: 1, bep44_items: 1, keeper: null })
  assert.equal((await fetch(`${url}/nothing`)).status, 404)
})
