import { execFile } from 'node:child_process'
import { open, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { SilmarilError } from '../errors.js'
import { logger } from '../log.js'
import { toNamePart } from '../models/names.js'

const log = logger('share:git')

const GIT_TIMEOUT_MS = 6 * 60 * 60 * 1000
const LFS_POINTER_PREFIX = 'version https://git-lfs.github.com/spec/v1'
const MAX_POINTER_BYTES = 1024

/** Whether a share target is a repository URL (as opposed to a path or a model name). */
export function isRepositoryUrl (target: string): boolean {
  return /^(https?|ssh|git|file):\/\//i.test(target) || /^[\w.-]+@[\w.-]+:[\w./~-]+$/.test(target)
}

/** `org/name` from a repository URL's last two path parts (`https://host/org/name.git` → `org/name`). */
export function nameFromUrl (url: string): string {
  const path = url.replace(/^[\w.-]+@[\w.-]+:/, '/').replace(/^[a-z]+:\/\/[^/]*/i, '').replace(/[?#].*$/, '')
  const parts = path.split('/').filter(p => p !== '' && p !== '.git')
  const name = (parts.at(-1) ?? 'model').replace(/\.git$/, '')
  const org = parts.at(-2) ?? 'git'
  return `${toNamePart(org)}/${toNamePart(name)}`
}

/** The URL without credentials, as recorded in a manifest. */
export function publicUrl (url: string): string {
  return url.replace(/^([a-z]+:\/\/)[^/@]*@/i, '$1')
}

export interface CloneOptions {
  url: string
  dest: string
  branch?: string
  /** 0 = full history. */
  depth: number
  skipLfs: boolean
  signal?: AbortSignal
}

async function git (args: string[], cwd: string | undefined, signal?: AbortSignal): Promise<string> {
  return await new Promise((resolve, reject) => {
    execFile('git', args, {
      cwd,
      signal,
      timeout: GIT_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_LFS_SKIP_SMUDGE: '1' }
    }, (err, stdout, stderr) => {
      if (err === null) { resolve(stdout.trim()); return }
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new SilmarilError('io', 'git is not installed; install git (e.g. "apt-get install git") to share from a repository URL'))
        return
      }
      const detail = stderr.trim().split('\n').filter(l => l !== '').slice(-3).join('; ')
      const command = args.find((arg, i) => !arg.startsWith('-') && args[i - 1] !== '-c') ?? ''
      reject(new SilmarilError('network', `git ${command} failed: ${detail === '' ? err.message : detail}`))
    })
  })
}

/** Clones a repository into `dest` (which must not exist) and pulls its Git LFS files. */
export async function cloneRepository (options: CloneOptions): Promise<{ commit: string }> {
  // The checkout must not run an LFS filter (which may be configured while git-lfs is missing):
  // pointers are checked out as they are and `git lfs pull` fetches the real files afterwards.
  const args = ['-c', 'filter.lfs.smudge=', '-c', 'filter.lfs.process=', '-c', 'filter.lfs.required=false', 'clone', '--quiet', '--no-tags', '--single-branch']
  if (options.depth > 0) args.push('--depth', String(options.depth))
  if (options.branch !== undefined) args.push('--branch', options.branch)
  args.push('--', options.url, options.dest)
  log('git %o', args)
  await git(args, undefined, options.signal)
  if (!options.skipLfs && await usesLfs(options.dest)) {
    try {
      await git(['lfs', 'version'], options.dest, options.signal)
    } catch {
      throw new SilmarilError('io', 'this repository stores files with Git LFS but git-lfs is not installed; install git-lfs (e.g. "apt-get install git-lfs") or share with --skip-lfs')
    }
    await git(['lfs', 'pull'], options.dest, options.signal)
    const pointers = await lfsPointers(options.dest)
    if (pointers.length > 0) throw new SilmarilError('network', `git lfs pull left ${pointers.length} file(s) as LFS pointers (e.g. ${pointers[0] ?? ''}); the LFS server did not serve them`)
  }
  return { commit: await git(['rev-parse', 'HEAD'], options.dest, options.signal) }
}

async function usesLfs (dir: string): Promise<boolean> {
  const attributes = await readFile(join(dir, '.gitattributes'), 'utf8').catch(() => '')
  return /filter=lfs/.test(attributes) || (await lfsPointers(dir)).length > 0
}

/** Files whose content is still a Git LFS pointer rather than the real bytes. */
async function lfsPointers (dir: string, prefix = ''): Promise<string[]> {
  const found: string[] = []
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`
    if (entry.isDirectory()) {
      if (entry.name !== '.git') found.push(...await lfsPointers(dir, path))
    } else if (entry.isFile()) {
      const handle = await open(join(dir, path), 'r')
      try {
        const { size } = await handle.stat()
        if (size > MAX_POINTER_BYTES) continue
        const head = Buffer.alloc(LFS_POINTER_PREFIX.length)
        await handle.read(head, 0, head.length, 0)
        if (head.toString() === LFS_POINTER_PREFIX) found.push(path)
      } finally {
        await handle.close()
      }
    }
  }
  return found
}
