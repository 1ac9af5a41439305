import type { CatalogEntry, LiveEntry, Tombstone } from './entry-types.js'

// Keys are inserted in RFC 8785 order (UTF-16 code units), so JSON.stringify of these objects is
// their canonical JSON: every value is a string, a safe integer, `true`, an array of strings or `source` (strings),
// which JCS and JSON.stringify write alike. Several times faster than a generic JCS.

/** A frozen copy of a checked entry with its keys in canonical order; `signature` omitted when undefined. */
export function canonicalEntry (value: CatalogEntry, signature: string | undefined): CatalogEntry {
  if (value.revoked === true) {
    const tombstone: Record<string, unknown> = { name: value.name, publisher: value.publisher, revision: value.revision, revoked: true }
    if (signature !== undefined) tombstone['signature'] = signature
    tombstone['updated'] = value.updated
    tombstone['v'] = value.v
    return Object.freeze(tombstone) as unknown as Tombstone
  }
  const live: Record<string, unknown> = {
    description: value.description,
    files: value.files,
    format: value.format,
    infohash: value.infohash,
    infohash_v2: value.infohash_v2,
    license: value.license,
    name: value.name,
    publisher: value.publisher,
    revision: value.revision
  }
  if (signature !== undefined) live['signature'] = signature
  live['size'] = value.size
  if (value.source !== undefined) {
    live['source'] = Object.freeze(value.source.commit === undefined ? { url: value.source.url } : { commit: value.source.commit, url: value.source.url })
  }
  live['tags'] = Object.freeze([...value.tags])
  live['updated'] = value.updated
  live['v'] = value.v
  return Object.freeze(live) as unknown as LiveEntry
}

/** The canonical JSON text of an entry (as it is signed when `signature` is left out). */
export function entryJson (entry: CatalogEntry, { withSignature = true } = {}): string {
  return JSON.stringify(canonicalEntry(entry, withSignature ? entry.signature : undefined))
}
