import type { FileHandle } from 'node:fs/promises'
import { readAt } from './file-io.js'
import { malformed } from './read-errors.js'

const WINDOW_BYTES = 1024 * 1024
const STRING_LENGTH_BYTES = 8

/** The header runs past the reader's bound; the caller keeps what it has read so far. */
export class HeaderBoundReached extends Error {
  constructor () {
    super('the header runs past the read bound')
    this.name = 'HeaderBoundReached'
  }
}

/**
 * Little-endian reads from the start of a file through one fixed-size window. It never reads
 * past `limitBytes` and never allocates more than the window, whatever lengths the file claims:
 * a length that runs past the end of the file is malformed, one that runs past the bound throws
 * {@link HeaderBoundReached}.
 */
export class BoundedReader {
  readonly #fh: FileHandle
  readonly #fileSize: number
  readonly #limit: number
  readonly #window: Buffer
  #windowStart = 0
  #windowLength = 0
  #position = 0

  constructor (fh: FileHandle, fileSize: number, limitBytes: number) {
    this.#fh = fh
    this.#fileSize = fileSize
    this.#limit = Math.min(fileSize, limitBytes)
    this.#window = Buffer.alloc(Math.max(0, Math.min(WINDOW_BYTES, this.#limit)))
  }

  get position (): number { return this.#position }

  /** Bytes between the position and the end of the file. */
  get remaining (): number { return this.#fileSize - this.#position }

  async u32 (): Promise<number> {
    const at = await this.#need(4)
    this.#position += 4
    return this.#window.readUInt32LE(at)
  }

  async u64 (): Promise<bigint> {
    const at = await this.#need(8)
    this.#position += 8
    return this.#window.readBigUInt64LE(at)
  }

  async i64 (): Promise<bigint> {
    const at = await this.#need(8)
    this.#position += 8
    return this.#window.readBigInt64LE(at)
  }

  /** An integer of 1, 2 or 4 bytes, signed or not. */
  async int (bytes: 1 | 2 | 4, signed: boolean): Promise<number> {
    const at = await this.#need(bytes)
    this.#position += bytes
    return signed ? this.#window.readIntLE(at, bytes) : this.#window.readUIntLE(at, bytes)
  }

  /** UTF-8 text of `length` bytes; callers cap the length well below the window size. */
  async text (length: number): Promise<string> {
    const at = await this.#need(length)
    this.#position += length
    return this.#window.toString('utf8', at, at + length)
  }

  async skip (length: bigint | number): Promise<void> {
    const end = BigInt(this.#position) + BigInt(length)
    if (end > BigInt(this.#fileSize)) throw malformed('a length field runs past the end of the file')
    if (end > BigInt(this.#limit)) throw new HeaderBoundReached()
    this.#position = Number(end)
  }

  /** Skips `count` length-prefixed strings, reading only their lengths. */
  async skipStrings (count: number): Promise<void> {
    let left = count
    while (left > 0) {
      left -= this.#skipStringsInWindow(left)
      if (left === 0) break
      const length = await this.u64()
      await this.skip(length)
      left--
    }
  }

  // Tokenizer vocabularies hold hundreds of thousands of strings: skip those inside the window
  // without a promise per string.
  #skipStringsInWindow (count: number): number {
    const windowEnd = Math.min(this.#windowStart + this.#windowLength, this.#limit)
    let skipped = 0
    while (skipped < count && this.#position >= this.#windowStart && this.#position + STRING_LENGTH_BYTES <= windowEnd) {
      const length = this.#window.readBigUInt64LE(this.#position - this.#windowStart)
      const end = this.#position + STRING_LENGTH_BYTES + Number(length)
      if (length > BigInt(this.#fileSize) || end > windowEnd) break
      this.#position = end
      skipped++
    }
    return skipped
  }

  /** Makes `length` bytes at the position available in the window; returns their offset there. */
  async #need (length: number): Promise<number> {
    const end = this.#position + length
    if (end > this.#fileSize) throw malformed('the file ends inside the header')
    if (end > this.#limit) throw new HeaderBoundReached()
    const windowEnd = this.#windowStart + this.#windowLength
    if (this.#position >= this.#windowStart && end <= windowEnd) return this.#position - this.#windowStart
    if (length > this.#window.length) throw malformed('a header field is too long to read')
    const wanted = Math.min(this.#window.length, this.#limit - this.#position)
    const filled = await readAt(this.#fh, this.#window.subarray(0, wanted), this.#position)
    this.#windowStart = this.#position
    this.#windowLength = filled
    if (filled < length) throw malformed('the file ends inside the header')
    return 0
  }
}
