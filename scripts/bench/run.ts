import { cpus } from 'node:os'
import { publish, type BenchReport } from './report.js'

/** `make bench [suite…]`: runs benchmark suites; each prints a table and writes .bench/<suite>.json. */

type Suite = (report: BenchReport) => Promise<void>

const SUITES: Record<string, () => Promise<Suite>> = {
  share: async () => (await import('./share.js')).run,
  discover: async () => (await import('./discover.js')).run,
  get: async () => (await import('./get.js')).run,
  'catalog-merge': async () => (await import('./catalog-merge.js')).run,
  bootstrap: async () => (await import('./bootstrap.js')).run
}

async function main (): Promise<void> {
  const wanted = process.argv.slice(2)
  for (const name of wanted) {
    if (SUITES[name] === undefined) throw new Error(`unknown benchmark "${name}"; choose from ${Object.keys(SUITES).join(', ')}`)
  }
  for (const name of wanted.length > 0 ? wanted : Object.keys(SUITES)) {
    const report: BenchReport = {
      suite: name,
      machine: { cpus: cpus().length, node: process.version, platform: `${process.platform}-${process.arch}` },
      started_at: new Date().toISOString(),
      rows: [],
      notes: []
    }
    await (await SUITES[name]!())(report)
    await publish(report)
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench: ${err.message}\n`)
  process.exitCode = 1
})
