import { readFile, rename, writeFile } from 'node:fs/promises'
import type { PointerStore } from '../src/catalog/pointers.js'
import { SilmarilError } from '../src/errors.js'

/**
 * The catalog keeper's small key/value state (its own slot's seq, catalogs already merged) in
 * one JSON file, rewritten atomically on every change; changes are rare (a publish, a merge).
 */
export async function openFileStore (file: string): Promise<PointerStore> {
  const values = await load(file)
  let writing: Promise<void> = Promise.resolve()
  return {
    get: async key => Object.hasOwn(values, key) ? values[key] : undefined,
    put: async (key, value) => {
      values[key] = value
      const text = `${JSON.stringify(values, null, 2)}\n`
      const write = writing.then(async () => {
        const temp = `${file}.${process.pid}.tmp`
        await writeFile(temp, text)
        await rename(temp, file)
      })
      writing = write.catch(() => {})
      await write.catch((err: unknown) => { throw SilmarilError.io(`cannot write ${file}: ${(err as Error).message}`, err) })
    }
  }
}

async function load (file: string): Promise<Record<string, string>> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw SilmarilError.io(`cannot read ${file}: ${(err as Error).message}`, err)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw SilmarilError.io(`the keeper state ${file} is not valid JSON (${(err as Error).message}); move it away to start afresh`, err)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw SilmarilError.io(`the keeper state ${file} is not a JSON object; move it away to start afresh`)
  }
  return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'))
}
