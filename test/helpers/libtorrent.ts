import { execFile, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { TestContext } from 'node:test'
import { promisify } from 'node:util'

/** The python scripts beside this helper's source (they are not compiled into dist/). */
export const LIBTORRENT_SCRIPTS_DIR = fileURLToPath(new URL('../../../test/helpers/libtorrent/', import.meta.url))

/** Debian's python3-libtorrent installs for the system python, not for a pyenv python3 on PATH. */
const CANDIDATES = [process.env.SILMARIL_LIBTORRENT_PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => c !== undefined && c !== '')

export interface LibtorrentPython {
  python: string
  version: string
}

let found: LibtorrentPython | { missing: string } | undefined

/** The first python that imports libtorrent, or why none does. */
export function findLibtorrent (): LibtorrentPython | { missing: string } {
  found ??= probe()
  return found
}

function probe (): LibtorrentPython | { missing: string } {
  const tried: string[] = []
  for (const python of CANDIDATES) {
    const result = spawnSync(python, ['-c', 'import libtorrent; print(libtorrent.__version__)'], { encoding: 'utf8', timeout: 10_000 })
    if (result.status === 0) return { python, version: result.stdout.trim() }
    const why = result.error?.message ?? result.stderr.trim().split('\n').at(-1) ?? `exit ${result.status}`
    tried.push(`${python}: ${why}`)
  }
  return { missing: `no python imports libtorrent (${tried.join('; ')}); install python3-libtorrent (make system-deps) or set SILMARIL_LIBTORRENT_PYTHON` }
}

/** The libtorrent python when there is one; otherwise skips `t`, saying why, and returns undefined. */
export function skipUnlessLibtorrent (t: TestContext): LibtorrentPython | undefined {
  const lt = findLibtorrent()
  if ('missing' in lt) {
    t.skip(`python3-libtorrent not installed: ${lt.missing}`)
    return undefined
  }
  t.diagnostic(`libtorrent ${lt.version} via ${lt.python}`)
  return lt
}

/** Runs `test/helpers/libtorrent/<script>` and parses the JSON it prints. */
export async function runLibtorrentScript<T> (lt: LibtorrentPython, script: string, args: string[]): Promise<T> {
  const { stdout } = await promisify(execFile)(lt.python, [`${LIBTORRENT_SCRIPTS_DIR}${script}`, ...args], { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 })
  return JSON.parse(stdout) as T
}
