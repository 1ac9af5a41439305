import { bencode, RawBencode, type BencodeInput } from '../share/torrent/bencode.js'
import { bdecode, dictGet } from '../share/torrent/bencode.js'
import type { FileHashes } from '../share/torrent/index.js'

/** A .torrent around info bytes fetched from peers, with the piece layers of the files hashed here. */
export function torrentFromInfo (info: Uint8Array, hashes: readonly FileHashes[]): Uint8Array {
  const layers = new Map<Uint8Array, BencodeInput>()
  for (const hash of hashes) {
    if (hash.piecesRoot !== null && hash.pieceLayer.length > 0) layers.set(hash.piecesRoot, hash.pieceLayer)
  }
  return bencode(new Map<string, BencodeInput>([['info', new RawBencode(info)], ['piece layers', layers]]))
}

/** The info dictionary's raw bytes inside a .torrent. */
export function infoOf (torrent: Uint8Array): Uint8Array {
  const info = dictGet(bdecode(torrent), 'info')
  if (info === undefined) throw new Error('the torrent has no info dictionary')
  return torrent.subarray(info.start, info.end)
}
