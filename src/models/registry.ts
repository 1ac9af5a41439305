import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { LocalModel } from '../api/types.js'

export const MANIFEST_FILE = '.silmaril.json'

/** Finds models laid out as `<models>/<org>/<name>/.silmaril.json` (the Hugging Face layout). */
export async function scanModels (modelsDir: string): Promise<LocalModel[]> {
  const models: LocalModel[] = []
  for (const org of await subdirs(modelsDir)) {
    for (const name of await subdirs(join(modelsDir, org))) {
      const path = join(modelsDir, org, name)
      models.push(await readLocalModel(path, `${org}/${name}`))
    }
  }
  return models.sort((a, b) => a.name.localeCompare(b.name))
}

async function subdirs (dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true })
    return entries.filter(e => e.isDirectory() && !e.name.startsWith('.')).map(e => e.name).sort()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
}

async function readLocalModel (path: string, fallbackName: string): Promise<LocalModel> {
  const base = { name: fallbackName, revision: '', license: '', path, size: 0, files: 0 }
  let manifest: Record<string, unknown>
  try {
    manifest = JSON.parse(await readFile(join(path, MANIFEST_FILE), 'utf8')) as Record<string, unknown>
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    return { ...base, error: code === 'ENOENT' ? `no ${MANIFEST_FILE}` : `unreadable ${MANIFEST_FILE}: ${(err as Error).message}` }
  }
  const files = Array.isArray(manifest['files']) ? manifest['files'] as Array<{ size?: unknown }> : []
  return {
    name: typeof manifest['name'] === 'string' ? manifest['name'] : fallbackName,
    revision: typeof manifest['revision'] === 'string' ? manifest['revision'] : '',
    license: typeof manifest['license'] === 'string' ? manifest['license'] : '',
    path,
    size: files.reduce((sum, f) => sum + (typeof f.size === 'number' ? f.size : 0), 0),
    files: files.length
  }
}
