import type { Level } from 'level'

/** What the node remembers about a local model between runs (level `models` sublevel, keyed by name). */
export interface ModelRecord {
  name: string
  revision: string
  license: string
  /** The model folder (inside `<data>/models` or registered where it is). */
  path: string
  origin: 'shared' | 'downloaded'
  publisher: string
  infohash: string
  infohash_v2: string
  magnet: string
  /** The .torrent, base64. */
  torrent: string
  size: number
  file_count: number
  /** Stats of every torrent file at the last full verification; unchanged stats skip re-hashing. */
  files: Array<{ path: string, size: number, mtimeMs: number, ino: number }>
  seeding: boolean
  /** Seed without announcing on the DHT (peers must be added by hand). */
  skip_dht: boolean
  /** Only some of the torrent's files are here (a get with --include/--exclude): always re-checked before seeding. */
  partial?: boolean
  added: string
  updated: string
}

type Db = Level<string, unknown>

export class ModelStore {
  readonly #models: ReturnType<Db['sublevel']>

  constructor (db: Db) {
    this.#models = db.sublevel<string, ModelRecord>('models', { valueEncoding: 'json' }) as unknown as ReturnType<Db['sublevel']>
  }

  async get (name: string): Promise<ModelRecord | undefined> {
    return (await this.#models.get(name)) as ModelRecord | undefined
  }

  async put (record: ModelRecord): Promise<void> {
    await this.#models.put(record.name, record)
  }

  async delete (name: string): Promise<void> {
    await this.#models.del(name)
  }

  async list (): Promise<ModelRecord[]> {
    const records: ModelRecord[] = []
    for await (const value of this.#models.values()) records.push(value as ModelRecord)
    return records
  }
}
