import { open, stat, type FileHandle } from 'node:fs/promises'
import { SilmarilError } from '../../errors.js'

/** Reading files to hash, refusing any that changed since they were scanned. */

export interface ScannedFile {
  path: string
  absolutePath: string
  size: number
}

export async function openScanned (file: ScannedFile): Promise<{ handle: FileHandle, mtimeMs: number }> {
  let handle: FileHandle
  try {
    handle = await open(file.absolutePath, 'r')
  } catch (err) {
    throw cannotRead(file, err)
  }
  try {
    const { size, mtimeMs } = await handle.stat()
    if (size !== file.size) throw changed(file, `is ${size} bytes, not the ${file.size} it had when scanned`)
    return { handle, mtimeMs }
  } catch (err) {
    await handle.close()
    throw err
  }
}

/** Fills `target` from `position`; a file that ends early has shrunk. */
export async function readFully (handle: FileHandle, target: Uint8Array, position: number, file: ScannedFile): Promise<void> {
  let filled = 0
  while (filled < target.length) {
    let bytesRead: number
    try {
      ({ bytesRead } = await handle.read(target, filled, target.length - filled, position + filled))
    } catch (err) {
      throw cannotRead(file, err, position + filled)
    }
    if (bytesRead === 0) throw changed(file, `ended at byte ${position + filled}, before the ${file.size} bytes it had when scanned`)
    filled += bytesRead
  }
}

/** After the last read: the file neither grew nor was rewritten in place. */
export async function checkUnchanged (handle: FileHandle, file: ScannedFile, mtimeMs: number): Promise<void> {
  const { bytesRead } = await handle.read(new Uint8Array(1), 0, 1, file.size)
  if (bytesRead > 0) throw changed(file, `grew past the ${file.size} bytes it had when scanned`)
  const after = await handle.stat()
  if (after.size !== file.size || after.mtimeMs !== mtimeMs) throw changed(file, 'was modified')
}

/** An empty file is not read, but it must still exist and still be empty. */
export async function checkStillEmpty (file: ScannedFile): Promise<void> {
  let size: number
  try {
    ({ size } = await stat(file.absolutePath))
  } catch (err) {
    throw cannotRead(file, err)
  }
  if (size !== 0) throw changed(file, `is ${size} bytes, not the 0 it had when scanned`)
}

function cannotRead (file: ScannedFile, err: unknown, position?: number): SilmarilError {
  const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message
  return SilmarilError.io(`cannot read "${file.path}" (${file.absolutePath})${position === undefined ? '' : ` at byte ${position}`}: ${why}`, err)
}

function changed (file: ScannedFile, what: string): SilmarilError {
  return SilmarilError.io(`"${file.path}" (${file.absolutePath}) ${what} while it was being hashed; hash it again once it stops changing`)
}
