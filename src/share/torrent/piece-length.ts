import { SilmarilError } from '../../errors.js'

/** BEP 52 merkle leaves cover 16 KiB blocks; a piece is a power-of-two number of them. */
export const BLOCK_BYTES = 16384
export const MIN_PIECE_LENGTH_BYTES = BLOCK_BYTES
export const MAX_PIECE_LENGTH_BYTES = 16 * 1024 * 1024
/** About this many pieces per torrent: small enough `pieces`, fine enough resumption. */
export const TARGET_PIECE_COUNT = 1500

/**
 * The piece length for a torrent of `totalBytes`: the smallest power of two that is at least
 * `totalBytes / TARGET_PIECE_COUNT`, clamped to [16 KiB, 16 MiB]. A fixed rule keeps torrents of
 * the same folder identical wherever they are made.
 */
export function choosePieceLength (totalBytes: number): number {
  if (!Number.isSafeInteger(totalBytes) || totalBytes < 0) throw SilmarilError.usage(`total size must be a whole number of bytes, got ${totalBytes}`)
  let length = MIN_PIECE_LENGTH_BYTES
  while (length < MAX_PIECE_LENGTH_BYTES && length * TARGET_PIECE_COUNT < totalBytes) length *= 2
  return length
}

/** Returns `n` when it is a power of two in [16 KiB, 16 MiB]; throws a usage error otherwise. */
export function validatePieceLength (n: number): number {
  const powerOfTwo = Number.isSafeInteger(n) && n > 0 && (n & (n - 1)) === 0
  if (!powerOfTwo || n < MIN_PIECE_LENGTH_BYTES || n > MAX_PIECE_LENGTH_BYTES) {
    throw SilmarilError.usage(`piece length must be a power of two from ${MIN_PIECE_LENGTH_BYTES} (16 KiB) to ${MAX_PIECE_LENGTH_BYTES} (16 MiB) bytes, got ${n}`)
  }
  return n
}
