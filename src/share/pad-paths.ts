import { basename, dirname, isAbsolute, resolve, sep } from 'node:path'
import { SilmarilError } from '../errors.js'

/** fs-chunk-store strips these from file names (filename-reserved-regex); so do we, to find the same files. */
const RESERVED_FILENAME_CHARS = /[<>:"/\\|?*\u0000-\u001F]/g // eslint-disable-line no-control-regex
/** A backslash is an ordinary character in a POSIX file name, only a separator on Windows. */
const SEPARATORS = sep === '\\' ? /[/\\]/ : /\//

export interface StoreRootOptions {
  /** The download directory; webtorrent passes the `path` given to `client.add`. @default process.cwd() */
  path?: string
  /** A directory to use instead of `path`; webtorrent passes its browser-only handle (null in Node). */
  rootDir?: unknown
  /** Nest everything under `<root>/<name>`, as fs-chunk-store does. @default false */
  addUID?: boolean
  name?: string
}

/** The absolute directory every file of the store lives under. */
export function storeRoot (opts: StoreRootOptions): string {
  const base = resolve(typeof opts.rootDir === 'string' ? opts.rootDir : opts.path ?? '.')
  if (opts.addUID !== true || opts.name === undefined) return base
  return resolveInside(base, opts.name, 'the store name')
}

/**
 * Where a torrent file lives: `<root>/<file.path>` with reserved characters stripped from the
 * file name, like fs-chunk-store. Throws on a path that is absolute, has a `..` component, or
 * would otherwise leave `root`.
 */
export function filePathIn (root: string, filePath: string): string {
  refuseEscape(root, filePath, 'file path')
  const name = basename(filePath).replace(RESERVED_FILENAME_CHARS, '')
  if (name === '' || name === '.' || name === '..') {
    throw SilmarilError.badRequest(`refusing file path ${JSON.stringify(filePath)}: it names no file`)
  }
  return inside(root, resolve(root, dirname(filePath), name), filePath, 'file path')
}

function resolveInside (root: string, relative: string, what: string): string {
  refuseEscape(root, relative, what)
  return inside(root, resolve(root, relative), relative, what)
}

function refuseEscape (root: string, relative: string, what: string): void {
  if (isAbsolute(relative) || relative.split(SEPARATORS).includes('..')) throw escapes(root, relative, what)
}

function inside (root: string, full: string, relative: string, what: string): string {
  if (!full.startsWith(root.endsWith(sep) ? root : root + sep)) throw escapes(root, relative, what)
  return full
}

function escapes (root: string, relative: string, what: string): SilmarilError {
  return SilmarilError.badRequest(`refusing ${what} ${JSON.stringify(relative)}: it would leave ${root}`)
}
