import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { createBootstrapNode, type BootstrapNode } from '../../bootstrap-node/bootstrap-node.js'
import { createDht, type DhtNode } from '../../src/dht/dht-node.js'
import { Teardown } from './teardown.js'
import { UnexpectedEvents } from './unexpected-events.js'
import { withTimeout } from './wait.js'

export const TESTNET_HOST = '127.0.0.1'
export const NODE_READY_TIMEOUT_MS = 10_000

export interface TestnetOptions {
  /** Let 'warning' and 'error' events pass instead of failing the test. @default false */
  allowWarnings?: boolean
}

export interface Testnet {
  /** `127.0.0.1:port` of the bootstrap node; hand it to anything that should join. */
  bootstrap: string[]
  bootstrapNode: BootstrapNode
  nodes: DhtNode[]
  /** Starts one more node that joins through the bootstrap node; torn down with the rest. */
  add (): Promise<DhtNode>
  /** Tears everything down in reverse order of creation. Safe to call more than once. */
  destroy (): Promise<void>
}

/**
 * A loopback DHT of a bootstrap node plus `size` nodes that joined through it, all ready.
 * With a TestContext the teardown is registered before anything starts, and any 'warning' or
 * 'error' fails the test.
 */
export async function createTestnet (size: number, t?: TestContext, options: TestnetOptions = {}): Promise<Testnet> {
  const teardown = new Teardown()
  const unexpected = new UnexpectedEvents()
  const watch = t !== undefined && options.allowWarnings !== true
  const destroy = async (): Promise<void> => { await teardown.run() }
  t?.after(async () => {
    await destroy()
    if (watch) unexpected.assertNone()
  })

  try {
    const dataDir = await mkdtemp(join(tmpdir(), 'silmaril-testnet-'))
    teardown.push(async () => { await rm(dataDir, { recursive: true, force: true }) })
    const bootstrapNode = createBootstrapNode({ host: TESTNET_HOST, port: 0, dataDir })
    teardown.push(async () => { await bootstrapNode.stop() })
    if (watch) unexpected.watch(bootstrapNode, 'bootstrap node')
    const { port } = await bootstrapNode.start()
    const bootstrap = [`${TESTNET_HOST}:${port}`]

    const nodes: DhtNode[] = []
    const add = async (): Promise<DhtNode> => {
      const node = await createDht({ bootstrap, host: TESTNET_HOST, port: 0 })
      teardown.push(async () => { await node.destroy() })
      if (watch) unexpected.watch(node, `node ${nodes.length}`)
      nodes.push(node)
      await withTimeout(node.ready(), NODE_READY_TIMEOUT_MS, `testnet node ${nodes.length - 1} to be ready`)
      return node
    }
    for (let i = 0; i < size; i++) await add()
    return { bootstrap, bootstrapNode, nodes, add, destroy }
  } catch (err) {
    await destroy()
    throw err
  }
}
