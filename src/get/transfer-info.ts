import type { Torrent } from 'webtorrent'
import type { TransferInfo, TransferState } from '../api/types.js'
import type { ModelRecord } from '../models/model-store.js'
import type { DownloadRecord } from './download-store.js'
import type { SwarmDownload } from './download.js'
import { peerRows } from './peer-guard.js'

export interface DownloadView {
  record: DownloadRecord
  swarm: SwarmDownload | undefined
  staging: string
  verification: TransferInfo['verification']
}

/** A download as the API shows it; `details` adds files, peers and verification. */
export function downloadInfo ({ record, swarm, staging, verification }: DownloadView, details: boolean): TransferInfo {
  const torrent = swarm?.torrent
  // A running torrent counts the files from its metadata on; until then, while the download is
  // stopped, and while its origin alone fetches it, the record says what it holds.
  const live = swarm?.progress()
  const counted = live !== undefined && live.total > 0
  const { done, total } = counted ? live : record.progress ?? { done: 0, total: 0 }
  const active = torrent !== undefined && !record.paused
  const down = active ? Math.round(torrent.downloadSpeed) : 0
  const info: TransferInfo = {
    id: record.id,
    kind: 'download',
    state: record.paused ? 'paused' : record.state,
    paused: record.paused,
    name: record.name ?? swarm?.parsed?.name ?? record.id,
    revision: record.revision,
    publisher: record.publisher,
    license: record.license,
    infohash: record.id,
    infohash_v2: record.infohash_v2,
    magnet: record.magnet,
    path: staging,
    total_bytes: total,
    done_bytes: done,
    progress: total > 0 ? done / total : 0,
    download_bps: down,
    upload_bps: active ? Math.round(torrent.uploadSpeed) : 0,
    uploaded_bytes: torrent?.uploaded ?? 0,
    downloaded_bytes: torrent?.downloaded ?? 0,
    origin_bytes: record.origin_bytes,
    ratio: ratio(torrent),
    peers: active ? countPeers(torrent).peers : 0,
    seeders: active ? countPeers(torrent).seeders : 0,
    eta_s: down > 0 && total > done ? Math.round((total - done) / down) : null,
    started_at: record.started_at,
    completed_at: record.completed_at,
    error: record.error
  }
  if (!details) return info
  return { ...info, files: (counted ? swarm?.files() : record.progress?.files) ?? [], peer_list: active ? peerRows(torrent) : [], verification }
}

/** A registered model's seeding torrent as a transfer. */
export function seedInfo (record: ModelRecord, torrent: Torrent | undefined, details: boolean): TransferInfo {
  const state: TransferState = record.seeding ? 'seeding' : 'paused'
  const info: TransferInfo = {
    id: record.infohash,
    kind: 'seed',
    state,
    paused: !record.seeding,
    name: record.name,
    revision: record.revision,
    publisher: record.publisher,
    license: record.license,
    infohash: record.infohash,
    infohash_v2: record.infohash_v2,
    magnet: record.magnet,
    path: record.path,
    total_bytes: record.size,
    done_bytes: record.size,
    progress: 1,
    download_bps: 0,
    upload_bps: Math.round(torrent?.uploadSpeed ?? 0),
    uploaded_bytes: torrent?.uploaded ?? 0,
    downloaded_bytes: torrent?.downloaded ?? 0,
    origin_bytes: 0,
    ratio: ratio(torrent),
    peers: torrent === undefined ? 0 : countPeers(torrent).peers,
    seeders: torrent === undefined ? 0 : countPeers(torrent).seeders,
    eta_s: null,
    started_at: record.added,
    completed_at: record.origin === 'downloaded' ? record.added : null,
    error: null
  }
  if (!details) return info
  return {
    ...info,
    files: record.files.map(f => ({ path: f.path, size: f.size, done_bytes: f.size, selected: true })),
    peer_list: peerRows(torrent),
    verification: { state: 'passed', detail: null }
  }
}

function ratio (torrent: Torrent | undefined): number {
  if (torrent === undefined) return 0
  const base = torrent.downloaded > 0 ? torrent.downloaded : torrent.length
  return base > 0 ? Math.round((torrent.uploaded / base) * 100) / 100 : 0
}

/** Peers connected, and how many of them have every piece (webtorrent keeps `isSeeder` per wire). */
function countPeers (torrent: Torrent): { peers: number, seeders: number } {
  const seeders = torrent.wires.filter(wire => (wire as { isSeeder?: boolean }).isSeeder === true).length
  return { peers: torrent.wires.length, seeders }
}
