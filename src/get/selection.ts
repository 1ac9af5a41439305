import picomatch from 'picomatch'
import { SilmarilError } from '../errors.js'
import { MANIFEST_FILE } from '../share/manifest.js'

export interface FileSelection {
  include?: readonly string[]
  exclude?: readonly string[]
}

/**
 * The torrent paths a get fetches: those matching any `include` glob (all when none is given) and
 * no `exclude` glob. The manifest is always fetched: nothing installs without it. Globs match the
 * whole path (`*.gguf` matches top-level files, `**\/*.gguf` any depth) and, when they hold no
 * slash, the file name too, as users expect from `--include '*Q4_K_M*'`.
 */
export function selectPaths (paths: readonly string[], selection: FileSelection): Set<string> {
  const include = compile(selection.include ?? [])
  const exclude = compile(selection.exclude ?? [])
  const chosen = new Set<string>()
  for (const path of paths) {
    if (path === MANIFEST_FILE) { chosen.add(path); continue }
    if (include.length > 0 && !include.some(match => match(path))) continue
    if (exclude.some(match => match(path))) continue
    chosen.add(path)
  }
  const content = paths.filter(p => p !== MANIFEST_FILE)
  if (content.length > 0 && ![...chosen].some(p => p !== MANIFEST_FILE)) {
    const sample = content.slice(0, 8).join(', ') + (content.length > 8 ? `, … (${content.length} files)` : '')
    throw SilmarilError.usage(`no file of the model matches ${describe(selection)}; its files are: ${sample}`)
  }
  return chosen
}

function compile (globs: readonly string[]): Array<(path: string) => boolean> {
  return globs.map(glob => {
    if (glob.trim() === '') throw SilmarilError.usage('an empty --include/--exclude pattern matches nothing; remove it')
    const whole = picomatch(glob, { dot: true })
    if (glob.includes('/')) return whole
    const base = picomatch(glob, { dot: true, basename: true })
    return (path: string) => whole(path) || base(path)
  })
}

function describe (selection: FileSelection): string {
  const parts = [
    ...(selection.include ?? []).map(g => `--include '${g}'`),
    ...(selection.exclude ?? []).map(g => `--exclude '${g}'`)
  ]
  return parts.join(' ')
}
