/** The version of the catalog entry format, the `v` of every entry. */
export const ENTRY_VERSION = 1

/** What names an entry: one publisher's one revision of one model. */
export interface EntryIdentity {
  /** The publisher's ed25519 public key, 64 lowercase hex characters. */
  publisher: string
  /** `org/model`. */
  name: string
  revision: string
}

/** The model's HTTP origin, as in its manifest's `source`: a web folder or a Hugging Face repository. */
export interface EntrySource {
  /** `http://` or `https://`, printable ASCII, at most `MAX_ENTRY_SOURCE_URL_CHARS`. */
  url: string
  /** The upstream commit (7 to 64 lowercase hex characters); a Hugging Face origin is read at it. */
  commit?: string
}

/** What an entry says about a model. */
export interface EntryContent {
  license: string
  /** Lowercase, unique. */
  tags: readonly string[]
  /** At most 280 characters, one line. */
  description: string
  /** Total bytes of the model's files. */
  size: number
  /** How many files the model torrent holds. */
  files: number
  /** Short lowercase token: `safetensors`, `gguf`, `pytorch`, `onnx`, `mixed`, `other`, … */
  format: string
  /** BitTorrent v1 infohash, 40 lowercase hex characters. */
  infohash: string
  /** BitTorrent v2 infohash, 64 lowercase hex characters. */
  infohash_v2: string
  /** Where the files can be fetched over HTTP when no peer holds them. */
  source?: EntrySource
}

/** A published model. */
export interface LiveEntry extends EntryIdentity, EntryContent {
  v: typeof ENTRY_VERSION
  /** ISO 8601 UTC with milliseconds, e.g. `2026-11-20T23:00:00.000Z`. */
  updated: string
  revoked?: undefined
  /** ed25519 signature, 128 lowercase hex characters. */
  signature: string
}

/** Withdraws (publisher, name, revision); carries no content. */
export interface Tombstone extends EntryIdentity {
  v: typeof ENTRY_VERSION
  updated: string
  revoked: true
  signature: string
}

export type CatalogEntry = LiveEntry | Tombstone

/** Why an entry was refused. */
export type EntryRejection = 'malformed' | 'oversized' | 'from_future' | 'bad_signature'

/** `publisher \0 name \0 revision`: the identity an entry is merged under. */
export function entryKey (entry: EntryIdentity): string {
  return `${entry.publisher}\0${entry.name}\0${entry.revision}`
}

export function isTombstone (entry: CatalogEntry): entry is Tombstone {
  return entry.revoked === true
}
