import { randomBytes } from 'node:crypto'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { SilmarilError } from '../src/errors.js'
import { NODE_ID_BYTES } from '../src/dht/dht-options.js'

export const ROUTING_TABLE_VERSION = 1

const NODE_ID_HEX = new RegExp(`^[0-9a-f]{${NODE_ID_BYTES * 2}}$`, 'i')

export interface SavedNode {
  host: string
  port: number
  /** Node id in lowercase hex. */
  id: string
}

/** Reads the node id (hex) from `file`, creating a random one on first start. */
export async function loadOrCreateNodeId (file: string): Promise<Uint8Array> {
  const text = await readOptional(file)
  if (text === undefined) {
    const id = new Uint8Array(randomBytes(NODE_ID_BYTES))
    await writeAtomic(file, `${Buffer.from(id).toString('hex')}\n`)
    return id
  }
  const hex = text.trim()
  if (!NODE_ID_HEX.test(hex)) {
    throw SilmarilError.io(`the node id file ${file} is damaged (expected ${NODE_ID_BYTES * 2} hex characters); move it away to start with a new node id`)
  }
  return new Uint8Array(Buffer.from(hex, 'hex'))
}

/** The nodes saved by `saveRoutingTable`; none when the file is missing. Throws when it is damaged. */
export async function loadRoutingTable (file: string): Promise<SavedNode[]> {
  const text = await readOptional(file)
  if (text === undefined) return []
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw SilmarilError.io(`the routing table ${file} is not valid JSON: ${(err as Error).message}`, err)
  }
  const nodes = (parsed as { nodes?: unknown } | null)?.nodes
  if (!Array.isArray(nodes)) throw SilmarilError.io(`the routing table ${file} has no "nodes" list`)
  return nodes.filter(isSavedNode)
}

export async function saveRoutingTable (file: string, nodes: SavedNode[]): Promise<void> {
  const body = { version: ROUTING_TABLE_VERSION, saved_at: new Date().toISOString(), nodes }
  await writeAtomic(file, `${JSON.stringify(body, null, 2)}\n`)
}

function isSavedNode (value: unknown): value is SavedNode {
  const node = value as Partial<SavedNode> | null
  return typeof node?.host === 'string' && node.host !== '' &&
    Number.isInteger(node.port) && (node.port as number) > 0 && (node.port as number) <= 65535 &&
    typeof node.id === 'string' && NODE_ID_HEX.test(node.id)
}

async function readOptional (file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw SilmarilError.io(`cannot read ${file}: ${(err as Error).message}`, err)
  }
}

async function writeAtomic (file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`
  try {
    await writeFile(temp, text)
    await rename(temp, file)
  } catch (err) {
    throw SilmarilError.io(`cannot write ${file}: ${(err as Error).message}`, err)
  }
}
