import { SilmarilError } from '../errors.js'

/** The part of one chunk that lives in one file. */
export interface Segment {
  /** Index of the real file, or -1 for padding (zeros). */
  readonly file: number
  /** Byte range within the chunk, end exclusive. */
  readonly from: number
  readonly to: number
  /** Where `from` lands in the file. */
  readonly fileOffset: number
}

export interface LayoutFile {
  readonly length: number
  readonly offset?: number
}

/** Which files each chunk of a torrent touches, computed once so `get` and `put` only look up. */
export class ChunkLayout {
  readonly chunkLength: number
  readonly length: number
  readonly chunkCount: number
  readonly lastChunkLength: number
  /** Segments per chunk index, in byte order. */
  readonly chunks: ReadonlyArray<readonly Segment[]>

  constructor (chunkLength: number, files: readonly LayoutFile[], isPad: readonly boolean[]) {
    if (!Number.isSafeInteger(chunkLength) || chunkLength <= 0) {
      throw SilmarilError.badRequest(`the chunk length must be a positive integer, not ${String(chunkLength)}`)
    }
    this.chunkLength = chunkLength
    const chunks: Segment[][] = []
    let offset = 0
    files.forEach((file, index) => {
      if (!Number.isSafeInteger(file.length) || file.length < 0) {
        throw SilmarilError.badRequest(`file ${index} has no valid length`)
      }
      if (file.offset !== undefined && file.offset !== offset) {
        throw SilmarilError.badRequest(`file ${index} starts at ${file.offset}, not right after the previous file at ${offset}`)
      }
      const end = offset + file.length
      for (let chunk = Math.floor(offset / chunkLength); chunk * chunkLength < end; chunk++) {
        const chunkStart = chunk * chunkLength
        const from = Math.max(offset, chunkStart)
        const to = Math.min(end, chunkStart + chunkLength)
        if (to === from) continue
        const segments = chunks[chunk] ??= []
        segments.push({
          file: isPad[index] === true ? -1 : index,
          from: from - chunkStart,
          to: to - chunkStart,
          fileOffset: from - offset
        })
      }
      offset = end
    })
    this.length = offset
    this.chunks = chunks
    this.chunkCount = chunks.length
    this.lastChunkLength = offset % chunkLength === 0 ? chunkLength : offset % chunkLength
  }

  /** The length of chunk `index`, or -1 when there is no such chunk. */
  chunkSize (index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.chunkCount) return -1
    return index === this.chunkCount - 1 ? this.lastChunkLength : this.chunkLength
  }
}
