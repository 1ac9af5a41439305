/** Limits against abuse of the catalog. See docs/PROTOCOL.md (catalog). */

/** The largest entry, measured as the UTF-8 bytes of its canonical JSON (signature included). */
export const MAX_ENTRY_BYTES = 2048

/** Entries (tombstones included) kept per publisher; the newest win, the rest are dropped. */
export const MAX_ENTRIES_PER_PUBLISHER = 1000

/** The largest catalog file a reader accepts: about 200,000 entries of typical size. */
export const MAX_CATALOG_BYTES = 128 * 1024 * 1024

/**
 * How far in the future an entry's `updated` may lie. A later entry is refused (and may be
 * accepted once its time has come), so nobody can pin an identity with a far-future date.
 */
export const MAX_CLOCK_SKEW_MS = 24 * 60 * 60 * 1000

/** The longest description of an entry, in Unicode code points. */
export const MAX_ENTRY_DESCRIPTION_CHARS = 280

/** The longest `source.url` of an entry, in characters (printable ASCII only). */
export const MAX_ENTRY_SOURCE_URL_CHARS = 512

/** The limits a catalog enforces; each defaults to the constant of the same name. */
export interface CatalogLimits {
  /** @default MAX_ENTRY_BYTES */
  maxEntryBytes: number
  /** @default MAX_ENTRIES_PER_PUBLISHER */
  maxEntriesPerPublisher: number
  /** @default MAX_CATALOG_BYTES */
  maxCatalogBytes: number
  /** @default MAX_CLOCK_SKEW_MS */
  maxClockSkewMs: number
}

export const DEFAULT_LIMITS: Readonly<CatalogLimits> = Object.freeze({
  maxEntryBytes: MAX_ENTRY_BYTES,
  maxEntriesPerPublisher: MAX_ENTRIES_PER_PUBLISHER,
  maxCatalogBytes: MAX_CATALOG_BYTES,
  maxClockSkewMs: MAX_CLOCK_SKEW_MS
})
