import { isTombstone, type CatalogEntry, type LiveEntry } from './entry-types.js'

export interface SearchQuery {
  /** Text to find in names, tags and descriptions, case-insensitively; words may match apart. @default '' (everything) */
  pattern?: string
  /** A tag the entry must carry. */
  tag?: string
  /** The entry's license, case-insensitively. */
  license?: string
  /** The entry's format, case-insensitively. */
  format?: string
  /** The publisher: a prefix of its hex id, or of its fingerprint (`77ff:8490:…`). */
  publisher?: string
  /** At most this many results. @default all */
  limit?: number
}

/** How well an entry matches: lower is better. */
const enum Tier { ExactName, NamePrefix, NameSubstring, Tag, Description, None }

/**
 * Live entries matching the query, best match first: exact name (or the part after `org/`),
 * then name prefix, name substring, tag, description; among equals, the newest first.
 */
export function search (entries: Iterable<CatalogEntry>, query: SearchQuery = {}): LiveEntry[] {
  const pattern = (query.pattern ?? '').trim().toLowerCase()
  const terms = pattern.split(/\s+/u).filter(term => term !== '')
  const tag = query.tag?.trim().toLowerCase()
  const license = query.license?.trim().toLowerCase()
  const format = query.format?.trim().toLowerCase()
  const publisher = query.publisher === undefined ? undefined : publisherPrefix(query.publisher)
  const found: Array<{ entry: LiveEntry, tier: Tier }> = []
  for (const entry of entries) {
    if (isTombstone(entry)) continue
    if (tag !== undefined && !entry.tags.includes(tag)) continue
    if (license !== undefined && entry.license.toLowerCase() !== license) continue
    if (format !== undefined && entry.format.toLowerCase() !== format) continue
    if (publisher !== undefined && !entry.publisher.startsWith(publisher)) continue
    const tier = pattern === '' ? Tier.ExactName : matchTier(entry, pattern, terms)
    if (tier !== Tier.None) found.push({ entry, tier })
  }
  found.sort((a, b) => a.tier - b.tier || newestFirst(a.entry, b.entry))
  const limit = query.limit ?? Infinity
  return found.slice(0, limit > 0 ? limit : 0).map(({ entry }) => entry)
}

/** Newest first, then by name, publisher and revision so equal dates still sort one way. */
export function newestFirst (a: CatalogEntry, b: CatalogEntry): number {
  if (a.updated !== b.updated) return a.updated > b.updated ? -1 : 1
  return compareText(a.name, b.name) || compareText(a.publisher, b.publisher) || compareText(a.revision, b.revision)
}

/** Lowercase hex without the colons of a fingerprint; a non-hex prefix matches nothing. */
export function publisherPrefix (text: string): string {
  const hex = text.trim().toLowerCase().replace(/:/g, '')
  return /^[0-9a-f]*$/.test(hex) ? hex : '-'
}

function matchTier (entry: LiveEntry, pattern: string, terms: string[]): Tier {
  const whole = termTier(entry, pattern)
  if (whole !== Tier.None || terms.length < 2) return whole
  let worst = Tier.ExactName
  for (const term of terms) {
    const tier = termTier(entry, term)
    if (tier === Tier.None) return Tier.None
    if (tier > worst) worst = tier
  }
  return worst
}

function termTier (entry: LiveEntry, term: string): Tier {
  const name = entry.name.toLowerCase()
  const model = name.slice(name.indexOf('/') + 1)
  if (name === term || model === term) return Tier.ExactName
  if (name.startsWith(term) || model.startsWith(term)) return Tier.NamePrefix
  if (name.includes(term)) return Tier.NameSubstring
  if (entry.tags.some(tag => tag.includes(term))) return Tier.Tag
  if (entry.description.toLowerCase().includes(term)) return Tier.Description
  return Tier.None
}

function compareText (a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1
}
