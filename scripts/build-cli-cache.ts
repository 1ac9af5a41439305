import { readFileSync, writeFileSync } from 'node:fs'
import Module, { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { Script } from 'node:vm'

/**
 * A training run for the CLI's code cache (see scripts/build-cli.ts): `node build-cli-cache.js
 * <bundle> <command…>` runs the bundled CLI as bin/silmaril.js does, starting from the cache so
 * far, and on exit writes the cache again with every function V8 compiled on the way.
 */

const BUILD_ID = /\/\/ silmaril-build ([0-9a-f]{32})\n$/
const [bundle, ...args] = process.argv.slice(2)
if (bundle === undefined) throw new Error('usage: build-cli-cache.js <bundle> <command…>')
const cacheFile = `${bundle}.cache`

const source = readFileSync(bundle, 'utf8')
const id = BUILD_ID.exec(source.slice(-64))?.[1]
if (id === undefined) throw new Error(`${bundle} does not end with its build id`)
let cachedData: Buffer | undefined
try {
  const cache = readFileSync(cacheFile)
  if (cache.toString('latin1', 0, id.length) === id) cachedData = cache.subarray(id.length)
} catch {}
const script = new Script(Module.wrap(source), { filename: bundle, cachedData })
process.on('exit', () => { writeFileSync(cacheFile, Buffer.concat([Buffer.from(id, 'latin1'), script.createCachedData()])) })
process.argv = [process.argv[0] ?? process.execPath, bundle, ...args]
const module = { exports: {} }
;(script.runInThisContext() as (...a: unknown[]) => void)(module.exports, createRequire(bundle), module, bundle, dirname(bundle))
