import type { Level } from 'level'
import type { TransferFile, TransferState } from '../api/types.js'

/** A download's bytes, by file, for when no running torrent counts them. */
export interface ProgressSnapshot {
  done: number
  total: number
  files: TransferFile[]
}

/** What the node remembers about a download between runs (level `downloads`, keyed by v1 infohash). */
export interface DownloadRecord {
  id: string
  infohash_v2: string | null
  magnet: string
  name: string | null
  revision: string | null
  publisher: string | null
  license: string | null
  include: string[]
  exclude: string[]
  /** Install here instead of `<data>/models/<org>/<name>`. */
  output: string | null
  accept_license: boolean
  paused: boolean
  state: TransferState
  error: { code: string, message: string } | null
  /** The info dictionary (base64) once fetched: a restart needs no peer to know the torrent. */
  info: string | null
  /**
   * Pieces verified (base64 bitfield), saved when the download stops cleanly (pause, daemon stop)
   * and cleared when it starts again: after a crash the staged files are hashed again instead.
   */
  bitfield: string | null
  origin_bytes: number
  /**
   * What the download holds when no torrent counts it: the selected files' bytes in verified pieces
   * as of its last stop (pause, failure, daemon stop), or the bytes staged while its origin
   * fetches it. Absent before it had its metadata, and in records from before this field.
   */
  progress?: ProgressSnapshot
  started_at: string
  completed_at: string | null
}

type Db = Level<string, unknown>

export class DownloadStore {
  readonly #sub: ReturnType<Db['sublevel']>

  constructor (db: Db) {
    this.#sub = db.sublevel<string, DownloadRecord>('downloads', { valueEncoding: 'json' }) as unknown as ReturnType<Db['sublevel']>
  }

  async put (record: DownloadRecord): Promise<void> { await this.#sub.put(record.id, record) }
  async delete (id: string): Promise<void> { await this.#sub.del(id) }

  async list (): Promise<DownloadRecord[]> {
    const records: DownloadRecord[] = []
    for await (const value of this.#sub.values()) records.push(value as DownloadRecord)
    return records
  }
}
