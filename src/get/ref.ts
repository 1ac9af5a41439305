import { SilmarilError } from '../errors.js'
import { checkRevision, parseModelName } from '../models/names.js'
import { parseMagnet } from '../share/torrent/index.js'

/** What `silmaril get` was asked for: a catalog name, or a torrent by its infohashes. */
export type GetRef =
  | { kind: 'name', name: string, revision?: string }
  | { kind: 'torrent', infoHashV1?: string, infoHashV2?: string, name?: string }

const V1_HEX = /^[0-9a-fA-F]{40}$/
const V2_HEX = /^[0-9a-fA-F]{64}$/

/** `org/name`, `org/name@revision`, a magnet (btih and/or btmh), or a 40- or 64-hex infohash. */
export function parseGetRef (ref: string, revision?: string): GetRef {
  const text = ref.trim()
  if (text === '') throw SilmarilError.usage('say which model to get: a name like org/model, a magnet link or an infohash')
  if (text.toLowerCase().startsWith('magnet:')) {
    const magnet = parseMagnet(text)
    return { kind: 'torrent', ...magnet }
  }
  if (V1_HEX.test(text)) return { kind: 'torrent', infoHashV1: text.toLowerCase() }
  if (V2_HEX.test(text)) return { kind: 'torrent', infoHashV2: text.toLowerCase() }
  const at = text.lastIndexOf('@')
  const namePart = at > 0 ? text.slice(0, at) : text
  const revisionPart = at > 0 ? text.slice(at + 1) : undefined
  if (revisionPart !== undefined && revision !== undefined && revisionPart !== revision) {
    throw SilmarilError.usage(`"${text}" names revision ${revisionPart} but --revision says ${revision}; give one of them`)
  }
  const wanted = revisionPart ?? revision
  let name: string
  try {
    name = parseModelName(namePart).full
  } catch {
    throw SilmarilError.usage(`"${text}" is neither a model name (org/model[@revision]), a magnet link nor a 40- or 64-hex infohash`)
  }
  return wanted === undefined ? { kind: 'name', name } : { kind: 'name', name, revision: checkRevision(wanted) }
}
