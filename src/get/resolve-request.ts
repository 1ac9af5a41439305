import type { DownloadRequest } from '../api/types.js'
import { candidates } from '../catalog/resolve.js'
import type { LiveEntry } from '../catalog/entry-types.js'
import type { SilmarilConfig } from '../config/schema.js'
import { SilmarilError } from '../errors.js'
import { magnetUri } from '../share/torrent/index.js'
import { parseGetRef } from './ref.js'

/** What a get resolves to before any peer is asked: the torrent, and the entry when the catalog knows it. */
export interface ResolvedGet {
  infohash: string
  infohashV2: string | null
  magnet: string
  entry: LiveEntry | undefined
  /** The name asked for or found in the catalog; a bare magnet learns it from the manifest. */
  name: string | null
}

/**
 * Turns `silmaril get`'s argument into a torrent: through the catalog for names, directly for
 * magnets and infohashes. `askedNetwork`: the catalog was just refreshed, which the not-found
 * message then says instead of suggesting it.
 */
export function resolveGet (request: DownloadRequest, entries: Iterable<LiveEntry>, policy: SilmarilConfig['policy'], { askedNetwork = false } = {}): ResolvedGet {
  const ref = parseGetRef(request.ref, request.revision)
  const blocked = new Set(policy.blocked_publishers.map(p => p.toLowerCase()))
  const all = [...entries]
  if (ref.kind === 'name') {
    const found = candidates(all, ref.name, {
      ...ref.revision === undefined ? {} : { revision: ref.revision },
      ...request.publisher === undefined ? {} : { publisher: request.publisher },
      trusted: policy.trusted_publishers
    })
    const allowed = found.filter(e => !blocked.has(e.publisher))
    const entry = allowed[0]
    if (entry === undefined) {
      const what = `${ref.name}${ref.revision === undefined ? '' : `@${ref.revision}`}${request.publisher === undefined ? '' : ` from publisher ${request.publisher}`}`
      if (found.length > 0) throw new SilmarilError('policy', `${what} is only published by publishers that policy.blocked_publishers blocks`)
      const search = `"silmaril discover ${ref.name.split('/')[1] ?? ref.name}"`
      throw SilmarilError.notFound(askedNetwork
        ? `no model ${what} in the catalog, nor in the catalogs the network has now; check the name with ${search}, or get it by magnet link`
        : `no model ${what} in the catalog; search with ${search} (add --refresh to ask the network now), or get it by magnet link`)
    }
    return { infohash: entry.infohash, infohashV2: entry.infohash_v2, magnet: magnetUri({ infoHashV1: entry.infohash, infoHashV2: entry.infohash_v2, name: entry.name }), entry, name: entry.name }
  }
  const entry = all.find(e => (ref.infoHashV1 !== undefined && e.infohash === ref.infoHashV1) || (ref.infoHashV2 !== undefined && e.infohash_v2 === ref.infoHashV2))
  const infohash = ref.infoHashV1 ?? entry?.infohash
  if (infohash === undefined) {
    throw SilmarilError.usage('this magnet or infohash has only a v2 (btmh) infohash and the catalog does not know its v1 twin, which the swarm needs; use a magnet with urn:btih: as well')
  }
  const infohashV2 = ref.infoHashV2 ?? entry?.infohash_v2 ?? null
  return { infohash, infohashV2, magnet: magnetUri({ infoHashV1: infohash, infoHashV2: infohashV2, name: ref.name ?? entry?.name }), entry, name: entry?.name ?? null }
}

