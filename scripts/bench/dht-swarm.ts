import { createDht, type DhtNode } from '../../src/dht/dht-node.js'

/**
 * Bare DHT nodes for a loopback testnet, in a process of their own so that a benchmark's timings
 * do not share an event loop with them: node dht-swarm.js <bootstrap host:port> <count>.
 * Prints "ready" once every node has joined; stops its nodes and exits on SIGTERM or when stdin closes.
 */
const [bootstrap, countArg] = process.argv.slice(2)
const count = Number(countArg)
if (bootstrap === undefined || !Number.isInteger(count) || count < 1) {
  process.stderr.write('usage: dht-swarm <bootstrap host:port> <count>\n')
  process.exit(2)
}
const nodes: DhtNode[] = []
for (let i = 0; i < count; i++) nodes.push(await createDht({ bootstrap: [bootstrap], host: '127.0.0.1' }))
await Promise.all(nodes.map(async n => { await n.ready() }))
process.stdout.write('ready\n')

let stopping = false
const stop = async (): Promise<void> => {
  if (stopping) return
  stopping = true
  for (const n of nodes) await n.destroy()
  process.exit(0)
}
process.once('SIGTERM', () => { void stop() })
process.stdin.once('end', () => { void stop() })
process.stdin.resume()
