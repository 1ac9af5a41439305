import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { NetworkInfo, NodeSnapshot } from '../src/api/types.js'
import { createDaemonHome, startBootstrapProcess, type BootstrapProcess, type DaemonHome } from './lib/loopback.js'

/**
 * `make demo`: a bootstrap node and two daemons on 127.0.0.1, each a real process started with
 * the real CLI, shown finding each other through the DHT. Needs no input; stops all it started.
 */

const JOIN_TIMEOUT_MS = 30_000
const POLL_MS = 250

const say = (text: string): void => { process.stdout.write(`${text}\n`) }
const step = (home: DaemonHome, args: string[]): string => {
  say(`  [${home.name}] $ silmaril ${args.join(' ')}`)
  return home.cli(args)
}

async function waitForEachOther (a: DaemonHome, b: DaemonHome, bootstrap: string): Promise<Map<string, NetworkInfo>> {
  const deadline = Date.now() + JOIN_TIMEOUT_MS
  const clients = [await a.client(), await b.client()]
  for (;;) {
    const [na, nb] = await Promise.all(clients.map(async c => await c.get<NetworkInfo>('/api/v1/network')))
    const knows = (n: NetworkInfo, port: number | null): boolean => n.dht.peers.some(p => p.port === port)
    const bootstrapPort = Number(bootstrap.split(':')[1])
    if (na !== undefined && nb !== undefined && knows(na, nb.dht.port) && knows(nb, na.dht.port) && knows(na, bootstrapPort) && knows(nb, bootstrapPort)) {
      return new Map([[a.name, na], [b.name, nb]])
    }
    if (Date.now() > deadline) throw new Error(`the daemons did not find each other within ${JOIN_TIMEOUT_MS / 1000} s`)
    await new Promise(resolve => setTimeout(resolve, POLL_MS))
  }
}

async function main (): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'silmaril-demo-'))
  let bootstrap: BootstrapProcess | undefined
  const homes: DaemonHome[] = []
  const cleanup = async (): Promise<void> => {
    for (const home of homes.reverse()) {
      try { step(home, ['daemon', 'stop']) } catch (err) { say(`  (could not stop ${home.name}: ${(err as Error).message})`) }
    }
    if (bootstrap !== undefined) { await bootstrap.stop(); say('  bootstrap node stopped') }
    await rm(root, { recursive: true, force: true })
  }
  process.once('SIGINT', () => { void cleanup().then(() => process.exit(130)) })

  try {
    say('Silmaril demo: a bootstrap node and two daemons on loopback\n')
    bootstrap = await startBootstrapProcess(join(root, 'bootstrap'))
    say(`1. bootstrap node listening on ${bootstrap.address} (node id ${bootstrap.nodeId.slice(0, 12)}…)\n`)

    say('2. two daemons, each with its own data dir, joining through it')
    for (const name of ['alice', 'bob']) {
      const home = await createDaemonHome(name, root, [bootstrap.address])
      homes.push(home)
      step(home, ['init'])
      step(home, ['daemon', 'start'])
    }
    const [alice, bob] = homes as [DaemonHome, DaemonHome]

    say('\n3. waiting until each daemon has the other in its DHT routing table')
    const started = Date.now()
    const networks = await waitForEachOther(alice, bob, bootstrap.address)
    say(`   joined in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)

    for (const home of homes) {
      const status = JSON.parse(step(home, ['daemon', 'status', '--json'])) as NodeSnapshot
      const peers = networks.get(home.name)?.dht.peers ?? []
      const names = new Map<number, string>([[Number(bootstrap.address.split(':')[1]), 'bootstrap']])
      for (const other of homes) names.set(networks.get(other.name)?.dht.port ?? -1, other.name)
      say(`   ${home.name}: publisher ${status.publisher.fingerprint}, DHT port ${String(status.dht.port)}, ${status.dht.nodes} DHT nodes known:`)
      for (const peer of peers) say(`     - ${peer.host}:${peer.port}  ${names.get(peer.port) ?? 'other'}  id ${peer.id.slice(0, 12)}…`)
    }
    say('\n4. stopping everything')
    await cleanup()
    say('\ndemo finished: both daemons found each other through the bootstrap node')
  } catch (err) {
    process.stderr.write(`demo failed: ${(err as Error).message}\n`)
    await cleanup()
    process.exitCode = 1
  }
}

await main()
