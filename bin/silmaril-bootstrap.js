#!/usr/bin/env node
'use strict'
import('../dist/bootstrap-node/main.js').catch(err => {
  process.stderr.write(`silmaril-bootstrap: ${err instanceof Error ? err.stack : String(err)}\n`)
  process.exit(1)
})
