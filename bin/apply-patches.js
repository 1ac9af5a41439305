'use strict'
// npm postinstall: applies patches/ to dependencies with patch-package (a devDependency). An
// install without dev dependencies (npm ci --omit=dev, a container's production stage) has
// neither patch-package nor a need for it to fail: the patches make transfers faster, not correct.
const { spawnSync } = require('node:child_process')
const { existsSync } = require('node:fs')
const { join } = require('node:path')

const root = join(__dirname, '..')
let bin
try {
  bin = require.resolve('patch-package/index.js', { paths: [root] })
} catch {}
if (bin === undefined || !existsSync(join(root, 'patches'))) {
  process.stderr.write('silmaril: patch-package or patches/ not installed; dependencies stay unpatched (slower transfers)\n')
  process.exit(0)
}
const result = spawnSync(process.execPath, [bin, '--error-on-fail'], { cwd: root, stdio: 'inherit' })
process.exit(result.status ?? 1)
