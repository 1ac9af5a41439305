import { createHash } from 'node:crypto'
import { SilmarilError } from '../../errors.js'
import { bdecode, dictGet, type BencodeNode } from './bencode.js'
import { fileTreeShape, HASH_BYTES, pieceLayerMatches } from './merkle.js'
import { SHA1_BYTES } from './piece-hasher.js'
import { validatePieceLength } from './piece-length.js'
import { splitTorrentPath } from './torrent-paths.js'

export interface TorrentFileEntry {
  /** Torrent-relative posix path; pads are `.pad/<length>`. */
  path: string
  size: number
  /** Byte offset in the v1 concatenation of all files. */
  offset: number
  /** A BEP 47 pad file (`attr` holds `p`): zeros that never reach the disk. */
  pad: boolean
  /** The v2 pieces root; null for pads and empty files. */
  piecesRoot: Uint8Array | null
}

export interface ParsedHybridTorrent {
  name: string
  pieceLength: number
  /** The v1 file list in order, pads included. */
  files: TorrentFileEntry[]
  /** Concatenated 20-byte SHA-1s of the v1 pieces. */
  pieces: Uint8Array
  pieceCount: number
  /** `piece layers` by hex pieces root. */
  pieceLayers: Map<string, Uint8Array>
  /** The raw info dictionary bytes, sliced from the torrent, never re-encoded. */
  info: Uint8Array
  infoHashV1: string
  infoHashV2: string
}

/**
 * Reads a hybrid (v1 + v2) torrent. Infohashes come from the exact bytes of the `info` value, and
 * the v1 file list must describe the same files, sizes and order as the v2 file tree.
 */
export function parseHybridTorrent (bytes: Uint8Array): ParsedHybridTorrent {
  const root = bdecode(bytes)
  if (root.kind !== 'dict') throw invalid('the top level is not a dictionary')
  const infoNode = dictGet(root, 'info')
  if (infoNode?.kind !== 'dict') throw invalid('there is no info dictionary')
  const info = bytes.slice(infoNode.start, infoNode.end)

  const name = safePath([text(bytesOf(dictGet(infoNode, 'name'), 'name'), 'name')])[0]!
  const pieceLength = intOf(dictGet(infoNode, 'piece length'), 'piece length')
  try { validatePieceLength(pieceLength) } catch (err) { throw invalid((err as Error).message) }
  const metaVersion = dictGet(infoNode, 'meta version')
  if (metaVersion?.kind !== 'int' || metaVersion.value !== 2) throw invalid('it is not a v2 torrent: meta version is not 2')
  const files = matchFiles(readV1Files(infoNode, name), readFileTree(dictGet(infoNode, 'file tree')), name)
  const misaligned = files.find(file => !file.pad && file.size > 0 && file.offset % pieceLength !== 0)
  if (misaligned !== undefined) throw invalid(`"${misaligned.path}" does not start on a piece boundary in the v1 file list; pad files are missing`)
  const pieces = bytesOf(dictGet(infoNode, 'pieces'), 'pieces')
  const totalBytes = files.reduce((sum, file) => sum + file.size, 0)
  const pieceCount = Math.ceil(totalBytes / pieceLength)
  if (pieces.length !== pieceCount * SHA1_BYTES) throw invalid(`pieces holds ${pieces.length} bytes, not ${pieceCount} SHA-1 hashes`)

  return {
    name,
    pieceLength,
    files,
    pieces,
    pieceCount,
    pieceLayers: readPieceLayers(dictGet(root, 'piece layers')),
    info,
    infoHashV1: createHash('sha1').update(info).digest('hex'),
    infoHashV2: createHash('sha256').update(info).digest('hex')
  }
}

/**
 * Checks that every file larger than a piece has a piece layer and that each layer hashes up to
 * its file's pieces root; throws a `verification_failed` error naming the file otherwise.
 */
export function verifyPieceLayers (torrent: ParsedHybridTorrent): void {
  for (const file of torrent.files) {
    if (file.pad || file.piecesRoot === null) continue
    if (!fileTreeShape(file.size, torrent.pieceLength).hasPieceLayer) continue
    const root = Buffer.from(file.piecesRoot).toString('hex')
    const layer = torrent.pieceLayers.get(root)
    if (layer === undefined) throw new SilmarilError('verification_failed', `the torrent has no piece layer for "${file.path}" (pieces root ${root})`)
    if (!pieceLayerMatches(file.piecesRoot, layer, file.size, torrent.pieceLength)) {
      throw new SilmarilError('verification_failed', `the piece layer of "${file.path}" does not hash to its pieces root ${root}`)
    }
  }
}

interface TreeFile { path: string[], size: number, piecesRoot: Uint8Array | null }

function readFileTree (node: BencodeNode | undefined): TreeFile[] {
  if (node?.kind !== 'dict') throw invalid('there is no v2 file tree')
  const files: TreeFile[] = []
  const walk = (dir: BencodeNode, path: string[]): void => {
    if (dir.kind !== 'dict') throw invalid(`the file tree entry "${path.join('/')}" is not a dictionary`)
    for (const { key, value } of dir.entries) {
      const part = text(key, 'file tree key')
      if (part === '') {
        if (path.length === 0 || dir.entries.length !== 1) throw invalid(`the file tree entry "${path.join('/')}" mixes a file and a directory`)
        files.push(treeFile(value, path))
      } else {
        walk(value, safePath([...path, part]))
      }
    }
  }
  walk(node, [])
  return files
}

function treeFile (node: BencodeNode, path: string[]): TreeFile {
  const where = `file tree entry "${path.join('/')}"`
  const size = intOf(dictGet(node, 'length'), `${where} length`)
  const rootNode = dictGet(node, 'pieces root')
  const piecesRoot = rootNode === undefined ? null : bytesOf(rootNode, `${where} pieces root`)
  if (size > 0 && piecesRoot?.length !== HASH_BYTES) throw invalid(`the ${where} has no 32-byte pieces root`)
  return { path, size, piecesRoot: size > 0 ? piecesRoot : null }
}

interface V1File { path: string[], size: number, pad: boolean }

function readV1Files (info: BencodeNode, name: string): V1File[] {
  const length = dictGet(info, 'length')
  const list = dictGet(info, 'files')
  if (length !== undefined && list === undefined) return [{ path: [name], size: intOf(length, 'length'), pad: false }]
  if (list?.kind !== 'list') throw invalid('it is not a v1 torrent: there is neither a files list nor a length')
  return list.items.map((entry, index) => {
    const pathNode = dictGet(entry, 'path')
    if (pathNode?.kind !== 'list' || pathNode.items.length === 0) throw invalid(`files[${index}] has no path`)
    const attr = dictGet(entry, 'attr')
    return {
      path: safePath(pathNode.items.map(part => text(bytesOf(part, `files[${index}] path`), `files[${index}] path`))),
      size: intOf(dictGet(entry, 'length'), `files[${index}] length`),
      pad: attr !== undefined && Buffer.from(bytesOf(attr, `files[${index}] attr`)).includes('p')
    }
  })
}

function matchFiles (v1: V1File[], tree: TreeFile[], name: string): TorrentFileEntry[] {
  const single = v1.length === 1 && tree.length === 1 && tree[0]!.path.length === 1 && tree[0]!.path[0] === name
  const entries: TorrentFileEntry[] = []
  let offset = 0
  let next = 0
  for (const file of v1) {
    const path = file.path.join('/')
    if (file.pad) {
      entries.push({ path, size: file.size, offset, pad: true, piecesRoot: null })
    } else {
      const twin = tree[next++]
      const twinPath = single ? name : twin?.path.join('/')
      if (twin === undefined || twinPath !== path || twin.size !== file.size) {
        throw invalid(`the v1 file list and the v2 file tree disagree at "${path}"; they must list the same files in the same order`)
      }
      entries.push({ path, size: file.size, offset, pad: false, piecesRoot: twin.piecesRoot })
    }
    offset += file.size
  }
  if (next !== tree.length) throw invalid(`the v2 file tree has ${tree.length} files but the v1 file list has ${next}`)
  return entries
}

function readPieceLayers (node: BencodeNode | undefined): Map<string, Uint8Array> {
  const layers = new Map<string, Uint8Array>()
  if (node === undefined) return layers
  if (node.kind !== 'dict') throw invalid('piece layers is not a dictionary')
  for (const { key, value } of node.entries) {
    if (key.length !== HASH_BYTES) throw invalid('a piece layers key is not a 32-byte pieces root')
    const layer = bytesOf(value, 'piece layer')
    if (layer.length === 0 || layer.length % HASH_BYTES !== 0) throw invalid('a piece layer is not a whole number of 32-byte hashes')
    layers.set(Buffer.from(key).toString('hex'), layer)
  }
  return layers
}

function safePath (parts: string[]): string[] {
  try {
    splitTorrentPath(parts.join('/'))
  } catch (err) {
    throw invalid((err as Error).message)
  }
  if (parts.some(part => part.includes('/'))) throw invalid(`the path component "${parts.find(part => part.includes('/'))}" holds a /`)
  return parts
}

function bytesOf (node: BencodeNode | undefined, what: string): Uint8Array {
  if (node?.kind !== 'bytes') throw invalid(`${what} is missing or not a byte string`)
  return node.value
}

function intOf (node: BencodeNode | undefined, what: string): number {
  if (node?.kind !== 'int' || node.value < 0) throw invalid(`${what} is missing or not a non-negative integer`)
  return node.value
}

function text (bytes: Uint8Array, what: string): string {
  const decoded = Buffer.from(bytes).toString('utf8')
  if (!Buffer.from(decoded, 'utf8').equals(bytes)) throw invalid(`${what} is not valid UTF-8`)
  return decoded
}

function invalid (problem: string): SilmarilError {
  return SilmarilError.badRequest(`not a valid hybrid torrent: ${problem}`)
}
