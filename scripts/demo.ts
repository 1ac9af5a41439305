import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mkdir, writeFile } from 'node:fs/promises'
import type { DiscoveredModel, LocalModel, NetworkInfo, NodeSnapshot, ShareResult } from '../src/api/types.js'
import { createDaemonHome, startBootstrapProcess, type BootstrapProcess, type DaemonHome } from './lib/loopback.js'

/**
 * `make demo`: a bootstrap node and two daemons on 127.0.0.1, each a real process started with
 * the real CLI, shown finding each other through the DHT. Needs no input; stops all it started.
 */

const JOIN_TIMEOUT_MS = 30_000
const DISCOVER_TIMEOUT_MS = 60_000
const MODEL_BYTES = 8 * 1024 * 1024

/** A small model folder: config.json and 8 MiB of F16 safetensors weights (pseudo-random). */
async function writeDemoModel (dir: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  const rows = MODEL_BYTES / 2 / 1024
  const header = Buffer.from(JSON.stringify({ 'model.embed.weight': { dtype: 'F16', shape: [rows, 1024], data_offsets: [0, MODEL_BYTES] }, __metadata__: { format: 'pt' } }))
  const padded = Buffer.concat([header, Buffer.alloc((8 - (header.length % 8)) % 8, 0x20)])
  const length = Buffer.alloc(8)
  length.writeBigUInt64LE(BigInt(padded.length))
  const weights = Buffer.alloc(MODEL_BYTES)
  for (let i = 0; i < weights.length; i += 4) weights.writeUInt32LE((i * 2654435761) >>> 0, i)
  await writeFile(join(dir, 'model.safetensors'), Buffer.concat([length, padded, weights]))
  await writeFile(join(dir, 'config.json'), JSON.stringify({ model_type: 'llama', architectures: ['LlamaForCausalLM'] }, null, 2))
}
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
    say('\n4. alice shares a model folder: a signed manifest, a hybrid v1+v2 torrent, seeding')
    const folder = join(root, 'tiny-llama')
    await writeDemoModel(folder)
    const shared = JSON.parse(step(alice, ['share', folder, '--name', 'demo/tiny-llama', '--license', 'mit', '--tags', 'demo', '--json'])) as ShareResult
    say(`   ${shared.name}: ${shared.files} files, ${shared.size} bytes`)
    say(`   infohash v1 ${shared.infohash}`)
    say(`   infohash v2 ${shared.infohash_v2}`)

    say('\n5. bob discovers it: reads catalog pointers from the DHT, fetches alice\'s catalog torrent, verifies, merges')
    const discoverStarted = Date.now()
    let found: DiscoveredModel[] = []
    while (found.length === 0) {
      if (Date.now() - discoverStarted > DISCOVER_TIMEOUT_MS) throw new Error(`bob did not discover the model within ${DISCOVER_TIMEOUT_MS / 1000} s`)
      found = JSON.parse(step(bob, ['discover', 'llama', '--refresh', '--json'])) as DiscoveredModel[]
    }
    say(`   found in ${((Date.now() - discoverStarted) / 1000).toFixed(1)} s:`)
    for (const line of step(bob, ['discover', 'llama']).trim().split('\n')) say(`     ${line.split('\t').slice(0, 6).join('  ')}`)
    const model = found[0]!
    say(`   published by ${model.publisher.slice(0, 16)}… (alice is ${(JSON.parse(alice.cli(['daemon', 'status', '--json'])) as NodeSnapshot).publisher.id.slice(0, 16)}…), same infohash: ${model.infohash === shared.infohash ? 'yes' : 'NO'}`)
    if (model.infohash !== shared.infohash) throw new Error('bob discovered a different infohash than alice shared')

    say('\n6. bob gets it: metadata and the signed manifest from alice, then the files; verified (v1 pieces, v2 roots, sha256, signature), installed, seeding')
    const getStarted = Date.now()
    const installed = JSON.parse(step(bob, ['get', 'demo/tiny-llama', '--json'])) as LocalModel
    say(`   installed in ${((Date.now() - getStarted) / 1000).toFixed(1)} s at ${installed.path}`)
    for (const file of ['model.safetensors', 'config.json']) {
      const same = (await readFile(join(installed.path, file))).equals(await readFile(join(folder, file)))
      say(`     ${file.padEnd(18)} ${same ? 'identical to alice\'s' : 'DIFFERENT'}`)
      if (!same) throw new Error(`${file} differs after the download`)
    }
    for (const line of step(bob, ['transfers']).trim().split('\n')) say(`     ${line.split('\t').filter((_, i) => [1, 2, 9].includes(i)).join('  ')}`)

    say('\n7. stopping everything')
    await cleanup()
    say('\ndemo finished: two daemons joined through the bootstrap node, alice shared a model, bob discovered it, downloaded it and now seeds it too')
  } catch (err) {
    process.stderr.write(`demo failed: ${(err as Error).message}\n`)
    await cleanup()
    process.exitCode = 1
  }
}

await main()
