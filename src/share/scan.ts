import { lstat, readdir, realpath, stat } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { SilmarilError } from '../errors.js'
import { comparePaths, MANIFEST_FILE } from './manifest.js'

/** A file that goes into a model torrent. */
export interface ScannedFile {
  /** Torrent-relative posix path. */
  path: string
  absolutePath: string
  size: number
  mtimeMs: number
  ino: number
}

/** Folders never shared: version control metadata and our own staging. */
const SKIPPED_DIRS = new Set(['.git', '.hg', '.svn', '.silmaril-staging'])

/**
 * Lists a model folder's files, sorted by UTF-8 path. Follows symlinks that stay inside the
 * folder; refuses links that point outside it, dangling links, special files and empty folders.
 * The manifest itself is left out: it is written afresh by the share.
 */
export async function scanModelFolder (root: string): Promise<ScannedFile[]> {
  let rootReal: string
  try {
    rootReal = await realpath(root)
    if (!(await stat(rootReal)).isDirectory()) throw SilmarilError.usage(`${root} is not a folder; share a model folder`)
  } catch (err) {
    if (err instanceof SilmarilError) throw err
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw SilmarilError.notFound(`${root} does not exist`)
    throw SilmarilError.io(`cannot read ${root} (${code ?? (err as Error).message})`, err)
  }
  const files: ScannedFile[] = []
  await walk(rootReal, rootReal, '', files)
  const shared = files.filter(f => f.path !== MANIFEST_FILE)
  if (shared.length === 0) throw SilmarilError.usage(`${root} has no files to share`)
  return shared.sort((a, b) => comparePaths(a.path, b.path))
}

async function walk (rootReal: string, dir: string, prefix: string, out: ScannedFile[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true })
  for (const entry of entries) {
    const absolute = join(dir, entry.name)
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) await walk(rootReal, absolute, path, out)
      continue
    }
    let target = absolute
    if (entry.isSymbolicLink()) {
      try {
        target = await realpath(absolute)
      } catch {
        throw SilmarilError.usage(`${path} is a symlink to something that does not exist; remove it or point it at a file in the folder`)
      }
      const inside = relative(rootReal, target)
      if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || inside.startsWith(sep)) {
        throw SilmarilError.usage(`${path} is a symlink to ${target}, outside the model folder; copy the file in instead`)
      }
    }
    const info = await lstat(target)
    if (info.isDirectory()) {
      throw SilmarilError.usage(`${path} is a symlink to a folder; link files, not folders`)
    }
    if (!info.isFile()) throw SilmarilError.usage(`${path} is not a regular file (a socket, device or pipe); remove it from the folder`)
    out.push({ path, absolutePath: target, size: info.size, mtimeMs: info.mtimeMs, ino: info.ino })
  }
}
