#!/usr/bin/env node
'use strict'
// Runs the bundled CLI (dist/src/cli/silmaril.cjs, written by `npm run build`) compiled with the V8
// code cache the build trained next to it; parsing the bundle afresh costs a command ~40 ms. The
// cache starts with the build id the bundle ends with, so a cache never meets another build.
// CommonJS, and no hashing, because every millisecond here is paid by every command.
const { readFileSync } = require('node:fs')
const Module = require('node:module')
const { dirname, join } = require('node:path')
const { Script } = require('node:vm')

const BUNDLE = join(__dirname, '..', 'dist', 'src', 'cli', 'silmaril.cjs')
const BUILD_ID = /\/\/ silmaril-build ([0-9a-f]{32})\n$/

const source = readFileSync(BUNDLE, 'utf8')
let cachedData
try {
  const id = BUILD_ID.exec(source.slice(-64))?.[1]
  const cache = readFileSync(`${BUNDLE}.cache`)
  if (id !== undefined && cache.toString('latin1', 0, id.length) === id) cachedData = cache.subarray(id.length)
} catch {}
const script = new Script(Module.wrap(source), { filename: BUNDLE, cachedData })
const bundled = { exports: {} }
script.runInThisContext()(bundled.exports, Module.createRequire(BUNDLE), bundled, BUNDLE, dirname(BUNDLE))
