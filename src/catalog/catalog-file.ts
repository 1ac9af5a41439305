import { canonicalEntry } from './entry-json.js'
import { entryKey, type CatalogEntry } from './entry-types.js'
import { DEFAULT_LIMITS, type CatalogLimits } from './limits.js'
import { compareEntries, compareIdentities } from './order.js'
import { scanArrayElements, scanString, scanValue, skipWhitespace } from './json-scan.js'

/** The `v` of the catalog file. */
export const CATALOG_FILE_VERSION = 1

/** The file name inside every catalog torrent; nodes must agree on it to agree on the infohash. */
export const CATALOG_FILE_NAME = 'silmaril-catalog.json'

/** Elements this much longer than `maxEntryBytes` are skipped unparsed (canonical entries never are). */
const RAW_ENTRY_SLACK = 4

const MAX_VERSION_CHARS = 16

/** Shorter elements cannot be entries (the smallest tombstone takes 309 characters) and are skipped unparsed. */
const MIN_ENTRY_CHARS = 250

/**
 * The catalog file: RFC 8785 canonical JSON of `{"entries": [...], "v": 1}`, UTF-8, no newline,
 * with one entry per identity (the winner, when given several), sorted by publisher, name,
 * revision. Nothing else goes in, so the same set of entries gives the same bytes everywhere.
 */
export function catalogBytes (entries: Iterable<CatalogEntry>): Uint8Array {
  const winners = new Map<string, CatalogEntry>()
  for (const entry of entries) {
    const key = entryKey(entry)
    const other = winners.get(key)
    if (other === undefined || compareEntries(entry, other) > 0) winners.set(key, entry)
  }
  const sorted = [...winners.values()].sort(compareIdentities).map(entry => canonicalEntry(entry, entry.signature))
  // One JSON.stringify of the array: canonical, as each element is, and much faster than joining.
  return new Uint8Array(Buffer.from(`{"entries":${JSON.stringify(sorted)},"v":${CATALOG_FILE_VERSION}}`, 'utf8'))
}

/** Elements skipped unparsed: too long to be an entry; too short or not an object; already held. */
export interface SkippedElements { oversized: number, malformed: number, duplicate: number }

export interface ParsedCatalog {
  /** The elements that may be entries, parsed but not verified: merge them. */
  entries: unknown[]
  skipped: SkippedElements
  /** Set when the file is not a catalog at all; `entries` is then empty. */
  error?: string
}

/**
 * Reads a catalog file: any JSON object with `"v": 1` and an `entries` array (other keys are
 * ignored). The file is cut into elements first and each is parsed on its own, so one bad
 * element costs only itself. Never throws.
 */
export function parseCatalogBytes (bytes: Uint8Array, limits: Partial<Pick<CatalogLimits, 'maxCatalogBytes' | 'maxEntryBytes'>> = {}): ParsedCatalog {
  const read = readCatalog(bytes, limits)
  if (typeof read === 'string') return { entries: [], skipped: { oversized: 0, malformed: 0, duplicate: 0 }, error: read }
  return { entries: [...read.entries], skipped: read.skipped }
}

export interface CatalogReader {
  /** Parses each element as it is iterated, so a large file is never all in memory as objects. */
  entries: Iterable<unknown>
  /** Filled in as `entries` is iterated. */
  skipped: SkippedElements
}

/** Whether the entry with this identity and signature is held already. */
export type IsHeld = (publisher: string, name: string, revision: string, signature: string) => boolean

/**
 * Like `parseCatalogBytes`, but parses elements lazily; a string says why the file is no catalog.
 * With `isHeld`, elements whose identity and signature read from their text are held already are
 * skipped unparsed: a catalog that repeats what a node has costs little more than reading it.
 */
export function readCatalog (bytes: Uint8Array, limits: Partial<Pick<CatalogLimits, 'maxCatalogBytes' | 'maxEntryBytes'>> = {}, isHeld?: IsHeld): CatalogReader | string {
  const maxCatalogBytes = limits.maxCatalogBytes ?? DEFAULT_LIMITS.maxCatalogBytes
  const maxElementChars = (limits.maxEntryBytes ?? DEFAULT_LIMITS.maxEntryBytes) * RAW_ENTRY_SLACK
  if (!(bytes instanceof Uint8Array)) return 'the catalog is not bytes'
  if (bytes.byteLength > maxCatalogBytes) return `the catalog takes ${bytes.byteLength} bytes; ${maxCatalogBytes} at most`
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch {
    return 'the catalog is not valid UTF-8'
  }
  const framed = frame(text)
  if (typeof framed === 'string') return `the catalog is not a catalog file: ${framed}`
  const spans = framed
  const skipped = { oversized: 0, malformed: 0, duplicate: 0 }
  function * entries (): Generator<unknown> {
    for (const [start, end] of spans) {
      const length = end - start
      if (length > maxElementChars) { skipped.oversized++; continue }
      if (length < MIN_ENTRY_CHARS || text.charCodeAt(start) !== 0x7b) { skipped.malformed++; continue }
      const element = text.slice(start, end)
      if (isHeld !== undefined && isHeldElement(element, isHeld)) { skipped.duplicate++; continue }
      try {
        yield JSON.parse(element)
      } catch {
        skipped.malformed++
      }
    }
  }
  return { entries: entries(), skipped }
}

// A quote inside a JSON string is always escaped, so `"key":"` found in an element's text is a
// key. Should the element be something else than an entry (keys nested or repeated), skipping it
// loses nothing the file could not have left out anyway.
function isHeldElement (element: string, isHeld: IsHeld): boolean {
  const name = rawString(element, '"name":"', 0)
  const publisher = rawString(element, '"publisher":"', name?.end ?? 0)
  const revision = rawString(element, '"revision":"', publisher?.end ?? 0)
  const signature = rawString(element, '"signature":"', revision?.end ?? 0)
  return publisher !== undefined && name !== undefined && revision !== undefined && signature !== undefined &&
    isHeld(publisher.value, name.value, revision.value, signature.value)
}

/** The value of a string field as written, when it has no escapes; looked for after `from` (canonical key order) first. */
function rawString (element: string, prefix: string, from: number): { value: string, end: number } | undefined {
  let at = element.indexOf(prefix, from)
  if (at === -1 && from > 0) at = element.indexOf(prefix)
  if (at === -1) return undefined
  const start = at + prefix.length
  const end = element.indexOf('"', start)
  if (end === -1) return undefined
  const value = element.slice(start, end)
  return value.includes('\\') ? undefined : { value, end }
}

/** The spans of the `entries` elements of a `{"v": 1, "entries": [...]}` text, or what is wrong. */
function frame (text: string): Array<[number, number]> | string {
  let i = skipWhitespace(text, 0)
  if (text.charCodeAt(i) !== 0x7b) return 'expected a JSON object'
  let version: unknown
  let spans: Array<[number, number]> | undefined
  const seen = new Set<string>()
  i = skipWhitespace(text, i + 1)
  if (text.charCodeAt(i) !== 0x7d) {
    for (;;) {
      if (text.charCodeAt(i) !== 0x22) return 'expected a key'
      const keyEnd = scanString(text, i)
      if (keyEnd === -1) return 'a key does not end'
      let key: string
      try { key = JSON.parse(text.slice(i, keyEnd)) as string } catch { return 'a key is not a JSON string' }
      if (seen.has(key)) return `the key "${key}" appears twice`
      seen.add(key)
      i = skipWhitespace(text, keyEnd)
      if (text.charCodeAt(i) !== 0x3a) return `expected ":" after "${key}"`
      i = skipWhitespace(text, i + 1)
      if (key === 'entries') {
        if (text.charCodeAt(i) !== 0x5b) return 'entries is not an array'
        const elements = scanArrayElements(text, i)
        if (typeof elements === 'string') return `entries: ${elements}`
        spans = elements.spans
        i = elements.end
      } else {
        const end = scanValue(text, i)
        if (end === -1) return `the value of "${key}" does not end`
        if (key === 'v') {
          if (end - i > MAX_VERSION_CHARS) return 'v is not a version number'
          try { version = JSON.parse(text.slice(i, end)) } catch { return 'v is not JSON' }
        }
        i = end
      }
      i = skipWhitespace(text, i)
      const c = text.charCodeAt(i)
      if (c === 0x7d) break
      if (c !== 0x2c) return 'expected "," or "}"'
      i = skipWhitespace(text, i + 1)
    }
  }
  if (skipWhitespace(text, i + 1) !== text.length) return 'unexpected text after the object'
  if (version !== CATALOG_FILE_VERSION) return version === undefined ? 'v is missing' : `unsupported version ${JSON.stringify(version)}`
  if (spans === undefined) return 'entries is missing'
  return spans
}
