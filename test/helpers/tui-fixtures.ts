import type { DiscoveredModel, LocalModel, NodeSnapshot, TransferInfo } from '../../src/api/types.js'

/** Fixed data for the TUI's component tests and the screenshots in docs/tui/. */

export const NOW = Date.parse('2026-03-01T12:00:00Z')
const ALICE = '77ff84905a919363' + 'ab'.repeat(24)
const BOB = '1c0ffee0deadbeef' + 'cd'.repeat(24)

export function transfer (overrides: Partial<TransferInfo> & { name: string }): TransferInfo {
  const id = overrides.id ?? Buffer.from(overrides.name).toString('hex').padEnd(40, '0').slice(0, 40)
  return {
    id,
    kind: 'download',
    state: 'downloading',
    paused: false,
    revision: 'main',
    publisher: ALICE,
    license: 'apache-2.0',
    infohash: id,
    infohash_v2: id.padEnd(64, 'e'),
    magnet: `magnet:?xt=urn:btih:${id}&xt=urn:btmh:1220${id.padEnd(64, 'e')}&dn=${encodeURIComponent(overrides.name)}`,
    path: `/home/ada/.silmaril/staging/${id}`,
    total_bytes: 4_600_000_000,
    done_bytes: 0,
    progress: 0,
    download_bps: 0,
    upload_bps: 0,
    uploaded_bytes: 0,
    downloaded_bytes: 0,
    origin_bytes: 0,
    ratio: 0,
    peers: 0,
    seeders: 0,
    eta_s: null,
    started_at: '2026-03-01T11:50:00Z',
    completed_at: null,
    error: null,
    ...overrides
  }
}

export const TRANSFERS: TransferInfo[] = [
  transfer({ name: 'meta-llama/Llama-3-8B', progress: 0.42, done_bytes: 6_745_000_000, total_bytes: 16_060_000_000, download_bps: 12_400_000, upload_bps: 1_100_000, downloaded_bytes: 6_745_000_000, uploaded_bytes: 300_000_000, ratio: 0.04, peers: 9, seeders: 6, eta_s: 751 }),
  transfer({ name: 'mistralai/Mistral-7B-Instruct', state: 'seeding', kind: 'seed', progress: 1, done_bytes: 14_480_000_000, total_bytes: 14_480_000_000, upload_bps: 2_300_000, uploaded_bytes: 30_100_000_000, downloaded_bytes: 14_480_000_000, ratio: 2.08, peers: 3, seeders: 0, path: '/home/ada/.silmaril/models/mistralai/Mistral-7B-Instruct', completed_at: '2026-02-28T09:00:00Z' }),
  transfer({ name: 'acme/tiny-llama-gguf', state: 'paused', paused: true, progress: 0.81, done_bytes: 540_000_000, total_bytes: 667_000_000, downloaded_bytes: 540_000_000, ratio: 0, peers: 0, seeders: 0 }),
  transfer({ name: 'bob/broken-model', state: 'failed', progress: 0.12, done_bytes: 12_000_000, total_bytes: 100_000_000, error: { code: 'verification_failed', message: 'model.safetensors: sha256 does not match the manifest' } })
]

export function details (t: TransferInfo): TransferInfo {
  return {
    ...t,
    files: [
      { path: '.silmaril.json', size: 2_345, done_bytes: 2_345, selected: true },
      { path: 'config.json', size: 654, done_bytes: 654, selected: true },
      { path: 'model-00001-of-00002.safetensors', size: 9_976_000_000, done_bytes: 6_745_000_000, selected: true },
      { path: 'model-00002-of-00002.safetensors', size: 6_084_000_000, done_bytes: 0, selected: true },
      { path: 'original/consolidated.pth', size: 16_060_000_000, done_bytes: 0, selected: false }
    ],
    peer_list: [
      { address: '127.0.0.1:40111', client: 'WebTorrent/2.0', download_bps: 8_100_000, upload_bps: 600_000, source: 'swarm' },
      { address: '127.0.0.1:40222', client: 'libtorrent/2.0.10', download_bps: 4_300_000, upload_bps: 500_000, source: 'swarm' },
      { address: 'huggingface.co', client: 'https', download_bps: 0, upload_bps: 0, source: 'origin' }
    ],
    verification: { state: 'pending', detail: null }
  }
}

export const DISCOVERED: DiscoveredModel[] = [
  { name: 'meta-llama/Llama-3-8B', revision: 'main', license: 'llama3', tags: ['llm', 'safetensors', '8b'], description: 'Llama 3, 8B parameters, base model', size: 16_060_000_000, files: 6, format: 'safetensors', infohash: 'a'.repeat(40), infohash_v2: 'b'.repeat(64), publisher: ALICE, updated: '2026-02-20T10:00:00Z', peers: 4 },
  { name: 'acme/tiny-llama-gguf', revision: 'q4', license: 'apache-2.0', tags: ['gguf', 'q4_k_m'], description: 'A tiny llama, quantized', size: 667_000_000, files: 2, format: 'gguf', infohash: 'c'.repeat(40), infohash_v2: 'd'.repeat(64), publisher: BOB, updated: '2026-02-21T10:00:00Z' },
  { name: 'bob/bert-mini', revision: 'main', license: 'mit', tags: ['bert', 'encoder'], description: '', size: 44_000_000, files: 3, format: 'safetensors', infohash: 'e'.repeat(40), infohash_v2: 'f'.repeat(64), publisher: BOB, updated: '2026-02-22T10:00:00Z' }
]

export const MODELS: LocalModel[] = [
  { name: 'mistralai/Mistral-7B-Instruct', revision: 'main', license: 'apache-2.0', path: '/home/ada/.silmaril/models/mistralai/Mistral-7B-Instruct', size: 14_480_000_000, files: 5, origin: 'downloaded', infohash: TRANSFERS[1]!.infohash, seeding: true, peers: 3, uploaded: 30_100_000_000, upload_bps: 2_300_000 },
  { name: 'acme/tiny-llama-gguf', revision: 'q4', license: 'apache-2.0', path: '/home/ada/.silmaril/models/acme/tiny-llama-gguf', size: 667_000_000, files: 2, origin: 'downloaded', infohash: TRANSFERS[2]!.infohash, seeding: false },
  { name: 'ada/my-model', revision: 'main', license: 'mit', path: '/home/ada/work/my-model', size: 120_000_000, files: 4, origin: 'shared', infohash: '9'.repeat(40), seeding: true, peers: 0, upload_bps: 0 },
  { name: 'ada/half-copied', revision: 'main', license: 'mit', path: '/home/ada/.silmaril/models/ada/half-copied', size: 0, files: 0, error: 'no .silmaril.json in the folder' }
]

export const SNAPSHOT: NodeSnapshot = {
  version: '0.1.0',
  pid: 4242,
  started_at: '2026-03-01T10:00:00Z',
  uptime_s: 7200,
  data_dir: '/home/ada/.silmaril',
  publisher: { id: ALICE, fingerprint: '77ff:8490:5a91:9363' },
  dht: { enabled: true, port: 6881, nodes: 143, ready: true },
  torrent: { port: 6881 },
  transfers: { total: 4, downloading: 1, seeding: 1 },
  peers: 12,
  rates: { download_bps: 12_400_000, upload_bps: 3_400_000 },
  tasks: [],
  catalog: {
    entries: 57,
    live: 54,
    publishers_known: 9,
    infohash: '5'.repeat(40),
    own_slot: { magnet: 'magnet:?xs=urn:btpk:77ff', seq: 12, infohash: '5'.repeat(40) },
    shared_slot: { magnet: 'magnet:?xs=urn:btpk:shared', last: 'written', infohash: '6'.repeat(40) },
    rejected: { bad_signature: 2, too_large: 1 },
    pointers: { resolved: 9, unreachable: 1 },
    last_refresh: '2026-03-01T11:58:30Z',
    refreshing: false
  }
}
