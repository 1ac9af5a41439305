import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { createDaemonHome, startBootstrapProcess } from '../../scripts/lib/loopback.js'
import type { DiscoveredModel, ShareResult } from '../../src/api/types.js'
import { createDht } from '../../src/dht/dht-node.js'
import { health, sample, scrapeMetrics } from '../helpers/bootstrap-ops.js'
import { stopDaemonQuietly } from '../helpers/cli.js'
import { eventually } from '../helpers/daemon-net.js'
import { writeModelFolder } from '../helpers/model-folder.js'
import { teardown } from '../helpers/teardown.js'
import { withTimeout } from '../helpers/wait.js'

const TEST_TIMEOUT_MS = 180_000
const WAIT_MS = 45_000
const DHT_NODES = 4
const RUNS = 'silmaril_bootstrap_republish_runs_total'
const SLOTS = 'silmaril_bootstrap_republished_slots_total'

test('a keeper keeps a publisher\'s entries discoverable after the publisher\'s node has stopped', { timeout: TEST_TIMEOUT_MS }, async t => {
  const cleanup = teardown(t)
  const root = await mkdtemp(join(tmpdir(), 'silmaril-keeper-'))
  cleanup.push(async () => { await rm(root, { recursive: true, force: true }) })
  // Every loopback node shares 127.0.0.1, so the per-address limits are off here (bootstrap-limits covers them).
  const keeper = await startBootstrapProcess(join(root, 'keeper'), {
    keeper: true,
    args: ['--metrics-port', '0', '--refresh-interval', '1', '--republish-interval', '1', '--rate-limit', '0', '--put-rate-limit', '0']
  })
  cleanup.push(async () => { await keeper.stop() })
  assert.match(keeper.publisher ?? '', /^[0-9a-f]{64}$/, 'the keeper prints its publisher key at start')
  const metrics = keeper.metrics!

  // Plain DHT nodes hold the pointers with the keeper, as the rest of the network would.
  for (let i = 0; i < DHT_NODES; i++) {
    const node = await createDht({ bootstrap: [keeper.address], host: '127.0.0.1', port: 0 })
    cleanup.push(async () => { await node.destroy() })
    await withTimeout(node.ready(), WAIT_MS, 'a DHT node to join')
  }

  const publisher = await createDaemonHome('publisher', root, [keeper.address])
  cleanup.push(async () => { await stopDaemonQuietly(publisher.home) })
  await publisher.run(['daemon', 'start'])
  const folder = await writeModelFolder(join(root, 'tiny-llama'), { seed: 3, hiddenSize: 64 })
  const shared = JSON.parse(await publisher.run(['share', folder, '--name', 'keep/tiny-llama', '--license', 'mit', '--json'])) as ShareResult

  await eventually('the keeper merging the publisher\'s entry', WAIT_MS, async () => (await health(metrics)).keeper?.entries === 1 ? true : undefined)
  assert.equal((await health(metrics)).keeper?.publisher, keeper.publisher)

  await publisher.run(['daemon', 'stop'])
  const stopped = await scrapeMetrics(metrics)
  const after = await eventually('two republish rounds after the publisher stopped', WAIT_MS, async () => {
    const now = await scrapeMetrics(metrics)
    return sample(now, RUNS) >= sample(stopped, RUNS) + 2 ? now : undefined
  })
  // Each full round puts back the keeper's own slot, the shared slot and the publisher's own slot.
  assert.ok(sample(after, SLOTS) - sample(stopped, SLOTS) >= 3, `slots republished since the publisher stopped: ${sample(after, SLOTS) - sample(stopped, SLOTS)}`)
  assert.equal(sample(after, 'silmaril_bootstrap_catalog_entries'), 1)
  assert.ok(sample(after, 'silmaril_bootstrap_catalog_publishers') >= 1)

  const newcomer = await createDaemonHome('newcomer', root, [keeper.address])
  cleanup.push(async () => { await stopDaemonQuietly(newcomer.home) })
  await newcomer.run(['daemon', 'start'])
  const found = await eventually('a new node discovering the model with its publisher offline', WAIT_MS, async () => {
    const results = JSON.parse(await newcomer.run(['discover', 'tiny-llama', '--refresh', '--json'])) as DiscoveredModel[]
    return results.length === 1 ? results[0] : undefined
  })
  assert.equal(found?.name, 'keep/tiny-llama')
  assert.equal(found?.infohash, shared.infohash)
  assert.equal(found?.publisher, shared.publisher)
})
