import type { CatalogEntry } from './entry-types.js'

/**
 * The last-writer-wins order of entries: later `updated` first wins, then a tombstone over an
 * entry, then the larger signature (lowercase hex, compared as text). Positive when `a` wins.
 * Total on verified entries, so every node picks the same winner whatever the merge order.
 */
export function compareEntries (a: CatalogEntry, b: CatalogEntry): number {
  if (a.updated !== b.updated) return a.updated > b.updated ? 1 : -1
  const tombstones = Number(a.revoked === true) - Number(b.revoked === true)
  if (tombstones !== 0) return tombstones
  return a.signature === b.signature ? 0 : a.signature > b.signature ? 1 : -1
}

/** Catalog file order: by `publisher`, `name`, `revision` (ASCII, so code-unit order is byte order). */
export function compareIdentities (a: CatalogEntry, b: CatalogEntry): number {
  return compareText(a.publisher, b.publisher) || compareText(a.name, b.name) || compareText(a.revision, b.revision)
}

function compareText (a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1
}
