import { createHash } from 'node:crypto'
import { SilmarilError } from '../../errors.js'
import { bencode, RawBencode, type BencodeInput } from './bencode.js'
import type { FileHashes } from './hash-files.js'
import { magnetUri } from './magnet.js'
import { fileTreeShape, HASH_BYTES } from './merkle.js'
import { SHA1_BYTES } from './piece-hasher.js'
import { validatePieceLength } from './piece-length.js'
import { sortTorrentFiles, splitTorrentPath } from './torrent-paths.js'
import { PAD_DIRECTORY, paddedTails, v1Layout } from './v1-layout.js'

export interface HybridTorrentInput {
  /** The torrent's name: the folder the files go in, or the file's name for a one-file torrent. */
  name: string
  pieceLength: number
  /** The hashes of every file, as `hashFiles` returns them for the same piece length. */
  files: readonly FileHashes[]
}

export interface HybridTorrent {
  /** The whole bencoded .torrent. */
  torrent: Uint8Array
  /** The bencoded info dictionary, exactly as it appears in `torrent`. */
  info: Uint8Array
  /** Hex SHA-1 of `info`. */
  infoHashV1: string
  /** Hex SHA-256 of `info`. */
  infoHashV2: string
  magnet: string
  /** v1 pieces, pad files included. */
  pieceCount: number
}

/**
 * A BEP 52 hybrid torrent: a v2 `file tree` with `piece layers`, and a v1 `files` list in the same
 * order with BEP 47 pad files so both describe the same pieces. Nothing in it depends on time or
 * place, so the same files always give the same bytes. One file whose path equals `name` makes a
 * single-file torrent, as libtorrent does for a lone file.
 */
export function createHybridTorrent (input: HybridTorrentInput): HybridTorrent {
  const pieceLength = validatePieceLength(input.pieceLength)
  checkName(input.name)
  if (input.files.length === 0) throw SilmarilError.usage('a torrent needs at least one file')
  const files = sortTorrentFiles(input.files)
  checkHashes(files, pieceLength)
  if (files.every(file => file.size === 0)) throw SilmarilError.usage('a torrent needs at least one non-empty file; every file is empty')

  const singleFile = files.length === 1 && files[0]!.path === input.name
  const info = new Map<string, BencodeInput>([
    ['file tree', fileTree(files)],
    ['meta version', 2],
    ['name', input.name],
    ['piece length', pieceLength],
    ['pieces', Buffer.concat(files.map(file => file.v1Pieces))]
  ])
  if (singleFile) info.set('length', files[0]!.size)
  else info.set('files', v1Files(files, pieceLength))

  const infoBytes = bencode(info)
  const pieceLayers = new Map<Uint8Array, BencodeInput>()
  for (const file of files) {
    if (file.piecesRoot !== null && file.pieceLayer.length > 0) pieceLayers.set(file.piecesRoot, file.pieceLayer)
  }
  const torrent = bencode(new Map<string, BencodeInput>([['info', new RawBencode(infoBytes)], ['piece layers', pieceLayers]]))
  const infoHashV1 = createHash('sha1').update(infoBytes).digest('hex')
  const infoHashV2 = createHash('sha256').update(infoBytes).digest('hex')
  return {
    torrent,
    info: infoBytes,
    infoHashV1,
    infoHashV2,
    magnet: magnetUri({ infoHashV1, infoHashV2, name: input.name }),
    pieceCount: files.reduce((sum, file) => sum + file.v1Pieces.length / SHA1_BYTES, 0)
  }
}

function checkName (name: string): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\\') || name.includes('\0')) {
    throw SilmarilError.usage(`a torrent name must be one non-empty path component without / or \\, got "${name}"`)
  }
}

function checkHashes (files: readonly FileHashes[], pieceLength: number): void {
  const tails = paddedTails(files.map(file => file.size))
  files.forEach((file, index) => {
    const shape = fileTreeShape(file.size, pieceLength)
    const wrong = (what: string): SilmarilError => SilmarilError.usage(`the hashes of "${file.path}" do not fit a ${pieceLength}-byte piece length: ${what}; hash the files again with hashFiles`)
    if (!Number.isSafeInteger(file.size) || file.size < 0) throw wrong(`size ${file.size} is not a whole number of bytes`)
    if (file.v1Pieces.length !== shape.pieces * SHA1_BYTES) throw wrong(`${file.v1Pieces.length / SHA1_BYTES} v1 pieces instead of ${shape.pieces}`)
    if ((file.piecesRoot === null) !== (file.size === 0) || (file.piecesRoot !== null && file.piecesRoot.length !== HASH_BYTES)) throw wrong('the pieces root is missing or malformed')
    if (file.pieceLayer.length !== (shape.hasPieceLayer ? shape.pieces * HASH_BYTES : 0)) throw wrong('the piece layer has the wrong length')
    if (file.size % pieceLength !== 0 && file.v1TailPadded !== tails[index]) {
      throw SilmarilError.usage(`the last v1 piece of "${file.path}" was hashed for a different set of files; hash all the torrent's files together with hashFiles`)
    }
  })
}

type Tree = Map<string, Tree | BencodeInput>

function fileTree (files: readonly FileHashes[]): Tree {
  const root: Tree = new Map()
  for (const file of files) {
    const parts = splitTorrentPath(file.path)
    let dir = root
    for (const part of parts.slice(0, -1)) {
      let child = dir.get(part)
      if (child === undefined) {
        child = new Map()
        dir.set(part, child)
      }
      dir = child as Tree
    }
    const leaf = new Map<string, BencodeInput>([['length', file.size]])
    if (file.piecesRoot !== null) leaf.set('pieces root', file.piecesRoot)
    dir.set(parts.at(-1)!, new Map([['', leaf]]))
  }
  return root
}

function v1Files (files: readonly FileHashes[], pieceLength: number): BencodeInput[] {
  return v1Layout(files.map(file => file.size), pieceLength).map((entry): BencodeInput => entry.kind === 'pad'
    ? { attr: 'p', length: entry.size, path: [PAD_DIRECTORY, String(entry.size)] }
    : { length: entry.size, path: splitTorrentPath(files[entry.index]!.path) })
}
