import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Plugin } from 'esbuild'

/**
 * Build step after tsc: bundles the CLI, packages included, into one script, and trains the V8
 * code cache bin/silmaril.js compiles it with. Loading hundreds of small ES modules, then parsing
 * and compiling yargs and yaml, cost every command over 100 ms of start-up.
 */

const CLI_DIR = fileURLToPath(new URL('../src/cli/', import.meta.url))
const BUNDLE = join(CLI_DIR, 'silmaril.cjs')
const TRAINER = fileURLToPath(new URL('build-cli-cache.js', import.meta.url))
/** Commands whose code paths the cache holds compiled; each run adds to what the last one left. */
const TRAINING_RUNS = [['discover', 'llama', '--json'], ['list', '--json']]

/**
 * Modules find files next to themselves (package.json, the daemon's entry, yargs' locales) through
 * `import.meta.url`; in the bundle it would name the bundle, so point it back at each module's file.
 */
const keepModuleUrls: Plugin = {
  name: 'keep-module-urls',
  setup (b) {
    b.onLoad({ filter: /\.m?js$/ }, async ({ path }) => {
      const text = await readFile(path, 'utf8')
      if (!text.includes('import.meta.url')) return undefined
      const fromBundle = relative(CLI_DIR, path).split(sep).join('/')
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromBundle)}, __silmarilBundleUrl).href`), loader: 'js', resolveDir: dirname(path) }
    })
  }
}

/**
 * yargs imports node:assert (~4 ms to load) for two invariant checks it runs on every command;
 * these pass without loading it and fall back to it to report a broken invariant.
 */
const lazyAssert: Plugin = {
  name: 'lazy-assert',
  setup (b) {
    b.onResolve({ filter: /^assert$/ }, ({ importer }) => importer.includes(`${sep}yargs${sep}`) ? { path: 'lazy-assert', namespace: 'silmaril' } : undefined)
    b.onLoad({ filter: /^lazy-assert$/, namespace: 'silmaril' }, () => ({
      loader: 'js',
      contents: [
        "export function strictEqual (actual, expected, message) { if (actual !== expected) require('node:assert').strictEqual(actual, expected, message) }",
        "export function notStrictEqual (actual, expected, message) { if (actual === expected) require('node:assert').notStrictEqual(actual, expected, message) }"
      ].join('\n')
    }))
  }
}

async function bundle (): Promise<void> {
  // CommonJS, because Node 20 takes a code cache only for scripts; the commands' dynamic imports
  // become lazy initialisers inside the bundle.
  await build({
    entryPoints: [join(CLI_DIR, 'main.js')],
    outfile: BUNDLE,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20.19',
    sourcemap: 'linked',
    banner: { js: "const __silmarilBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
    plugins: [keepModuleUrls, lazyAssert],
    logLevel: 'warning'
  })
  if ((await readFile(BUNDLE, 'utf8')).includes('import(')) throw new Error(`${BUNDLE} has a dynamic import left, which a vm.Script cannot run`)
  // The id pairs the bundle with its code cache: bin/silmaril.js reads it from the end, no hashing.
  await appendFile(BUNDLE, `// silmaril-build ${randomBytes(16).toString('hex')}\n`)
}

/** Runs the training commands against a stand-in daemon that answers every request with empty lists. */
async function trainCodeCache (): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'silmaril-build-'))
  const daemon = createServer((_req, res) => { res.setHeader('content-type', 'application/json'); res.end('{"results":[],"models":[]}') })
  await new Promise<void>(resolve => { daemon.listen(0, '127.0.0.1', resolve) })
  try {
    const url = `http://127.0.0.1:${(daemon.address() as AddressInfo).port}`
    await writeFile(join(home, 'config.yaml'), 'network:\n  dht_enabled: false\ndaemon:\n  port: 0\n')
    await writeFile(join(home, 'daemon.json'), JSON.stringify({ pid: process.pid, url, version: 'build', started_at: new Date().toISOString() }))
    await writeFile(join(home, 'api-token'), 'build\n')
    for (const args of TRAINING_RUNS) {
      const child = spawn(process.execPath, [TRAINER, BUNDLE, ...args], { env: { HOME: home, SILMARIL_HOME: home }, stdio: ['ignore', 'ignore', 'pipe'] })
      let stderr = ''
      child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
      const code = await new Promise<number | null>((resolve, reject) => { child.on('error', reject); child.on('close', resolve) })
      if (code !== 0) throw new Error(`training run "silmaril ${args.join(' ')}" exited ${String(code)}: ${stderr}`)
    }
  } finally {
    daemon.close()
    await rm(home, { recursive: true, force: true })
  }
}

await rm(`${BUNDLE}.cache`, { force: true })
await bundle()
await trainCodeCache()
