import { isTombstone, type CatalogEntry, type LiveEntry } from './entry-types.js'
import { newestFirst, publisherPrefix } from './search.js'

export interface ResolveOptions {
  /** Only this revision. @default any, newest first */
  revision?: string
  /** Only this publisher: a prefix of its hex id or fingerprint. */
  publisher?: string
  /** Publishers (hex ids) preferred over everyone else. @default [] */
  trusted?: Iterable<string>
}

/**
 * The live entries for a model name (case-insensitively), best first: trusted publishers first,
 * then the exact spelling of the name, then the newest.
 */
export function candidates (entries: Iterable<CatalogEntry>, name: string, options: ResolveOptions = {}): LiveEntry[] {
  const wanted = name.trim().toLowerCase()
  const publisher = options.publisher === undefined ? undefined : publisherPrefix(options.publisher)
  const trusted = new Set([...(options.trusted ?? [])].map(id => id.toLowerCase()))
  const found: LiveEntry[] = []
  for (const entry of entries) {
    if (isTombstone(entry) || entry.name.toLowerCase() !== wanted) continue
    if (options.revision !== undefined && entry.revision !== options.revision) continue
    if (publisher !== undefined && !entry.publisher.startsWith(publisher)) continue
    found.push(entry)
  }
  const rank = (entry: LiveEntry): number => (trusted.has(entry.publisher) ? 0 : 2) + (entry.name === name.trim() ? 0 : 1)
  return found.sort((a, b) => rank(a) - rank(b) || newestFirst(a, b))
}

/** The best entry for a model name (see `candidates`), or undefined when there is none. */
export function resolve (entries: Iterable<CatalogEntry>, name: string, options: ResolveOptions = {}): LiveEntry | undefined {
  return candidates(entries, name, options)[0]
}
