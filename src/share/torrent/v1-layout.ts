/**
 * The v1 view of a hybrid torrent: files end to end, with a BEP 47 pad file in front of every
 * non-empty file that would otherwise start mid-piece, so each file's data starts on a piece
 * boundary as v2 requires. No pad trails the last file, and empty files never get one; this is
 * libtorrent's `canonical_files_no_tail_padding` layout, so both tools make the same info dict.
 */

export type V1Entry =
  | { kind: 'file', index: number, size: number, offset: number }
  | { kind: 'pad', size: number, offset: number }

export const PAD_DIRECTORY = '.pad'

/** The v1 entries for files of `sizes` (in torrent order). */
export function v1Layout (sizes: readonly number[], pieceLength: number): V1Entry[] {
  const entries: V1Entry[] = []
  let offset = 0
  sizes.forEach((size, index) => {
    const misaligned = offset % pieceLength
    if (size > 0 && misaligned !== 0) {
      entries.push({ kind: 'pad', size: pieceLength - misaligned, offset })
      offset += pieceLength - misaligned
    }
    entries.push({ kind: 'file', index, size, offset })
    offset += size
  })
  return entries
}

/**
 * For each file, whether its last v1 piece is completed with pad zeros: true when a non-empty
 * file follows it, since that one starts on the next piece boundary.
 */
export function paddedTails (sizes: readonly number[]): boolean[] {
  let nonEmptyAfter = false
  const padded = new Array<boolean>(sizes.length)
  for (let i = sizes.length - 1; i >= 0; i--) {
    padded[i] = nonEmptyAfter
    if (sizes[i]! > 0) nonEmptyAfter = true
  }
  return padded
}
