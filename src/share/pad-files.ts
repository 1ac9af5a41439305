import { SilmarilError } from '../errors.js'

const PAD_ATTR = 'p'
const PAD_ATTR_BYTE = PAD_ATTR.charCodeAt(0)
/** BEP 47 names pads `.pad/<length>` at the top of the torrent; webtorrent prefixes the torrent name. */
const PAD_PATH = /^(?:[^/\\]+[/\\])?\.pad[/\\]\d+$/

/**
 * Indices into `info.files` of the BEP 47 pad files: those whose `attr` holds 'p'. Takes the
 * bencode-decoded info dict (byte strings as Uint8Array; plain strings work too). A single-file
 * or malformed info dict has none.
 */
export function padFileIndices (info: unknown): number[] {
  const files = infoFiles(info)
  const pads: number[] = []
  files?.forEach((file, index) => { if (hasPadAttr(file)) pads.push(index) })
  return pads
}

/** True for the `.pad/<digits>` naming convention, with or without the torrent name in front. */
export function isPadPath (path: string): boolean {
  return PAD_PATH.test(path)
}

/**
 * Which of `files` are padding: the explicit indices when given, else the `attr` of the raw info
 * dict when it lists as many files, else the path convention.
 */
export function padMask (files: ReadonlyArray<{ path: string }>, explicit: readonly number[] | undefined, info: unknown): boolean[] {
  const mask = files.map(() => false)
  if (explicit !== undefined) {
    for (const index of explicit) {
      if (!Number.isInteger(index) || index < 0 || index >= files.length) {
        throw SilmarilError.badRequest(`padFiles: ${String(index)} is not an index into the ${files.length} files`)
      }
      mask[index] = true
    }
    return mask
  }
  const listed = infoFiles(info)
  if (listed?.length === files.length) {
    for (const index of padFileIndices(info)) mask[index] = true
    return mask
  }
  if (isRecord(info) && listed === undefined && files.length === 1) return mask
  return files.map(file => isPadPath(file.path))
}

function infoFiles (info: unknown): unknown[] | undefined {
  if (!isRecord(info)) return undefined
  const files = info['files']
  return Array.isArray(files) ? files : undefined
}

function hasPadAttr (file: unknown): boolean {
  if (!isRecord(file)) return false
  const attr = file['attr']
  if (attr instanceof Uint8Array) return attr.includes(PAD_ATTR_BYTE)
  return typeof attr === 'string' && attr.includes(PAD_ATTR)
}

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
}
