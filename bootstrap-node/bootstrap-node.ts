import { EventEmitter } from 'node:events'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { SilmarilError } from '../src/errors.js'
import { createDht, type DhtNode } from '../src/dht/dht-node.js'
import { loadOrCreateNodeId, loadRoutingTable, saveRoutingTable } from './node-state.js'

export const ROUTING_TABLE_SAVE_INTERVAL_MS = 5 * 60 * 1000
export const NODE_ID_FILE = 'node-id'
export const ROUTING_TABLE_FILE = 'routing-table.json'

export const DEFAULTS = {
  host: '0.0.0.0',
  port: 6881,
  saveIntervalMs: ROUTING_TABLE_SAVE_INTERVAL_MS,
  maxValues: 10000
} as const

export interface BootstrapNodeInit {
  /** Address to bind. @default '0.0.0.0' */
  host?: string
  /** UDP port; 0 picks a free one. @default 6881 */
  port?: number
  /** Holds `node-id` and `routing-table.json`. */
  dataDir: string
  /** How often the routing table is saved while running. @default 300000 */
  saveIntervalMs?: number
  /** BEP 44 items kept for the network. @default 10000 */
  maxValues?: number
}

export interface BootstrapNodeInfo {
  host: string
  port: number
  /** Node id in lowercase hex. */
  nodeId: string
}

export interface BootstrapNodeEvents {
  warning: [Error]
  error: [Error]
  'routing-table-saved': [number]
}

/** A DHT node with a stable identity that starts a network of its own and remembers who joined. */
export class BootstrapNode extends EventEmitter<BootstrapNodeEvents> {
  readonly #init: Required<BootstrapNodeInit>
  #dht: DhtNode | undefined
  #timer: NodeJS.Timeout | undefined
  #starting: Promise<BootstrapNodeInfo> | undefined
  #stopping: Promise<void> | undefined

  constructor (init: BootstrapNodeInit) {
    super()
    this.#init = {
      host: init.host ?? DEFAULTS.host,
      port: init.port ?? DEFAULTS.port,
      dataDir: resolve(init.dataDir),
      saveIntervalMs: init.saveIntervalMs ?? DEFAULTS.saveIntervalMs,
      maxValues: init.maxValues ?? DEFAULTS.maxValues
    }
  }

  get dht (): DhtNode {
    if (this.#dht === undefined) throw new SilmarilError('internal', 'the bootstrap node is not started')
    return this.#dht
  }

  get dataDir (): string {
    return this.#init.dataDir
  }

  async start (): Promise<BootstrapNodeInfo> {
    if (this.#stopping !== undefined) throw new SilmarilError('internal', 'a stopped bootstrap node cannot start again; create a new one')
    this.#starting ??= this.#start()
    return await this.#starting
  }

  async #start (): Promise<BootstrapNodeInfo> {
    const { dataDir, host, port, maxValues, saveIntervalMs } = this.#init
    try {
      await mkdir(dataDir, { recursive: true })
    } catch (err) {
      throw SilmarilError.io(`cannot create the data dir ${dataDir}: ${(err as Error).message}`, err)
    }
    const nodeId = await loadOrCreateNodeId(join(dataDir, NODE_ID_FILE))
    const saved = await this.#loadSavedNodes()
    const dht = await createDht({ bootstrap: false, host, port, nodeId, maxValues })
    this.#dht = dht
    dht.on('warning', err => { this.emit('warning', err) })
    dht.on('error', err => { this.emit('error', err) })
    for (const node of saved) dht.addNode({ host: node.host, port: node.port })
    this.#timer = setInterval(() => { this.#saveInBackground() }, saveIntervalMs)
    this.#timer.unref()
    const address = this.address()
    return { host: address?.host ?? host, port: address?.port ?? port, nodeId: dht.nodeId }
  }

  /** Saves the routing table, closes the socket. Safe to call more than once. */
  async stop (): Promise<void> {
    this.#stopping ??= this.#stop()
    return await this.#stopping
  }

  async #stop (): Promise<void> {
    await this.#starting?.catch(() => {})
    clearInterval(this.#timer)
    const dht = this.#dht
    if (dht === undefined) return
    try {
      await this.saveRoutingTable()
    } finally {
      await dht.destroy()
    }
  }

  address (): { host: string, port: number } | null {
    const address = this.#dht?.address()
    return address == null ? null : { host: address.host, port: address.port }
  }

  /** Writes the current routing table; resolves with the number of nodes saved. */
  async saveRoutingTable (): Promise<number> {
    const nodes = this.dht.nodes()
    await saveRoutingTable(join(this.#init.dataDir, ROUTING_TABLE_FILE), nodes)
    this.emit('routing-table-saved', nodes.length)
    return nodes.length
  }

  async #loadSavedNodes (): Promise<Array<{ host: string, port: number }>> {
    try {
      return await loadRoutingTable(join(this.#init.dataDir, ROUTING_TABLE_FILE))
    } catch (err) {
      // A lost routing table only slows the start down; the identity is what must survive.
      this.emit('warning', err as Error)
      return []
    }
  }

  #saveInBackground (): void {
    this.saveRoutingTable().catch((err: unknown) => { this.emit('warning', err as Error) })
  }
}

export function createBootstrapNode (init: BootstrapNodeInit): BootstrapNode {
  return new BootstrapNode(init)
}
