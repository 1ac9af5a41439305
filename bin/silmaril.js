#!/usr/bin/env node
// Runs the bundled CLI (dist/src/cli/silmaril.cjs, written by `npm run build`) compiled with the V8
// code cache the build wrote next to it; parsing the bundle afresh costs a command ~40 ms.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import Module, { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Script } from 'node:vm'

const BUNDLE = fileURLToPath(new URL('../dist/src/cli/silmaril.cjs', import.meta.url))
const DIGEST_BYTES = 32

const source = readFileSync(BUNDLE, 'utf8')
let cachedData
try {
  const cache = readFileSync(`${BUNDLE}.cache`)
  const digest = createHash('sha256').update(source).digest()
  if (digest.equals(cache.subarray(0, DIGEST_BYTES))) cachedData = cache.subarray(DIGEST_BYTES)
} catch {}
const script = new Script(Module.wrap(source), { filename: BUNDLE, cachedData })
const module = { exports: {} }
script.runInThisContext()(module.exports, createRequire(BUNDLE), module, BUNDLE, dirname(BUNDLE))
