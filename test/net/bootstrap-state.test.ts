import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { startBootstrapProcess, type BootstrapProcess } from '../../scripts/lib/loopback.js'
import { createDht, type DhtNode } from '../../src/dht/dht-node.js'
import { health } from '../helpers/bootstrap-ops.js'
import { eventually } from '../helpers/daemon-net.js'
import { teardown } from '../helpers/teardown.js'
import { withTimeout } from '../helpers/wait.js'

const TEST_TIMEOUT_MS = 60_000
const WAIT_MS = 15_000
const MEMBERS = 3

test('a restarted bootstrap process keeps its node id, pings its saved neighbours back into its table and introduces them to newcomers', { timeout: TEST_TIMEOUT_MS }, async t => {
  const cleanup = teardown(t)
  const dataDir = await mkdtemp(join(tmpdir(), 'silmaril-bootstrap-state-'))
  cleanup.push(async () => { await rm(dataDir, { recursive: true, force: true }) })
  const start = async (): Promise<BootstrapProcess> => {
    const node = await startBootstrapProcess(dataDir, { args: ['--metrics-port', '0'] })
    cleanup.push(async () => { await node.stop() })
    return node
  }
  const joinVia = async (address: string): Promise<DhtNode> => {
    const node = await createDht({ bootstrap: [address], host: '127.0.0.1', port: 0 })
    cleanup.push(async () => { await node.destroy() })
    await withTimeout(node.ready(), WAIT_MS, 'a node to join')
    return node
  }

  const first = await start()
  const members: DhtNode[] = []
  for (let i = 0; i < MEMBERS; i++) members.push(await joinVia(first.address))
  await eventually('the bootstrap node to know every member', WAIT_MS, async () => (await health(first.metrics!)).dht_nodes === MEMBERS ? true : undefined)
  await first.stop()

  const saved = JSON.parse(await readFile(join(dataDir, 'routing-table.json'), 'utf8')) as { nodes: Array<{ id: string, port: number }> }
  assert.deepEqual(saved.nodes.map(n => n.id).sort(), members.map(m => m.nodeId).sort(), 'SIGTERM saved every neighbour')

  const second = await start()
  assert.equal(second.nodeId, first.nodeId, 'the node id survives the restart')
  assert.notEqual(second.address, first.address, 'port 0 gave the restarted node a new port: the members cannot have found it themselves')
  await eventually('the restarted node to ping its saved neighbours back in', WAIT_MS, async () => (await health(second.metrics!)).dht_nodes === MEMBERS ? true : undefined)

  const newcomer = await joinVia(second.address)
  await eventually('the newcomer to learn the old members through the restarted node', WAIT_MS, () => {
    const known = new Set(newcomer.nodes().map(n => n.id))
    return members.every(m => known.has(m.nodeId)) ? true : undefined
  })
})
