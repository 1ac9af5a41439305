#!/usr/bin/env node
// Runs the compiled test tiers with node's test runner. Usage: node scripts/run-tests.js [tier...]
// Tiers: unit, net, cli, tui, interop (default: all of them). test/live never runs here.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const TIERS = ['unit', 'net', 'cli', 'tui', 'interop']
const CONCURRENCY = { unit: 4, net: 1, cli: 2, tui: 1, interop: 1 }

const wanted = process.argv.slice(2)
for (const tier of wanted) {
  if (!TIERS.includes(tier)) {
    console.error(`unknown test tier "${tier}"; choose from ${TIERS.join(', ')}`)
    process.exit(2)
  }
}

function testFiles (dir) {
  if (!existsSync(dir)) return []
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return testFiles(path)
    return name.endsWith('.test.js') ? [path] : []
  }).sort()
}

let failed = false
for (const tier of wanted.length > 0 ? wanted : TIERS) {
  const files = testFiles(join('dist', 'test', tier))
  if (files.length === 0) continue
  console.log(`\n# tier: ${tier} (${files.length} files)`)
  const result = spawnSync(process.execPath, ['--test', `--test-concurrency=${CONCURRENCY[tier]}`, '--test-reporter=spec', ...files], { stdio: 'inherit' })
  if (result.status !== 0) failed = true
}
process.exit(failed ? 1 : 0)
