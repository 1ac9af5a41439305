import { open, type FileHandle } from 'node:fs/promises'
import { ioError, malformed } from './read-errors.js'

export async function openForReading (path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r')
  } catch (err) {
    throw ioError('cannot open the file', err)
  }
}

export async function closeQuietly (fh: FileHandle): Promise<void> {
  await fh.close().catch(() => {})
}

export async function fileSize (fh: FileHandle): Promise<number> {
  try {
    return (await fh.stat()).size
  } catch (err) {
    throw ioError('cannot stat the file', err)
  }
}

/** Fills `buffer` from `position` until it is full or the file ends; returns the bytes read. */
export async function readAt (fh: FileHandle, buffer: Buffer, position: number): Promise<number> {
  let filled = 0
  while (filled < buffer.length) {
    let bytesRead: number
    try {
      ({ bytesRead } = await fh.read(buffer, filled, buffer.length - filled, position + filled))
    } catch (err) {
      throw ioError('cannot read the file', err)
    }
    if (bytesRead === 0) break
    filled += bytesRead
  }
  return filled
}

/** The whole file, when it is at most `maxBytes` long. */
export async function readSmallFile (path: string, maxBytes: number): Promise<Buffer> {
  const fh = await openForReading(path)
  try {
    const size = await fileSize(fh)
    if (size > maxBytes) throw malformed(`the file is ${size} bytes, over the ${maxBytes}-byte cap`)
    const buffer = Buffer.alloc(size)
    const filled = await readAt(fh, buffer, 0)
    return buffer.subarray(0, filled)
  } finally {
    await closeQuietly(fh)
  }
}
