import { SilmarilError } from '../../errors.js'

/**
 * Torrent-relative posix paths: split into components, refused when unsafe or ambiguous, and
 * sorted component by component on UTF-8 bytes, which is the order of a bencoded `file tree`.
 */

/** The components of `path`; throws a usage error for absolute, empty, `.`/`..` or non-UTF-8 parts. */
export function splitTorrentPath (path: string): string[] {
  const refuse = (why: string): SilmarilError => SilmarilError.usage(`cannot put "${path}" in a torrent: ${why}`)
  if (path === '') throw refuse('the path is empty')
  if (path.startsWith('/')) throw refuse('absolute paths are not allowed; give a path relative to the shared folder')
  if (path.includes('\\')) throw refuse('backslashes are not allowed; separate components with /')
  if (path.includes('\0')) throw refuse('NUL characters are not allowed')
  if (Buffer.from(path, 'utf8').toString('utf8') !== path) throw refuse('the path is not valid Unicode')
  const parts = path.split('/')
  if (parts.includes('')) throw refuse('empty path components (// or a trailing /) are not allowed')
  if (parts.includes('..')) throw refuse('".." components are not allowed')
  if (parts.includes('.')) throw refuse('"." components are not allowed')
  return parts
}

/** Orders component lists by each component's UTF-8 bytes, a prefix first. */
export function compareTorrentPaths (a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const order = Buffer.compare(Buffer.from(a[i]!, 'utf8'), Buffer.from(b[i]!, 'utf8'))
    if (order !== 0) return order
  }
  return a.length - b.length
}

/**
 * A sorted copy of `files`; throws a usage error for unsafe paths, duplicates, and a file that is
 * also the directory of another.
 */
export function sortTorrentFiles<T extends { path: string }> (files: readonly T[]): T[] {
  const keyed = files.map(file => ({ file, parts: splitTorrentPath(file.path) }))
  keyed.sort((a, b) => compareTorrentPaths(a.parts, b.parts))
  for (let i = 1; i < keyed.length; i++) {
    const before = keyed[i - 1]!
    const after = keyed[i]!
    if (compareTorrentPaths(before.parts, after.parts) === 0) throw SilmarilError.usage(`cannot put "${after.file.path}" in a torrent twice`)
    const isPrefix = before.parts.length < after.parts.length && before.parts.every((part, j) => part === after.parts[j])
    if (isPrefix) throw SilmarilError.usage(`cannot put both "${before.file.path}" and "${after.file.path}" in a torrent: "${before.file.path}" would be a file and a directory`)
  }
  return keyed.map(({ file }) => file)
}
