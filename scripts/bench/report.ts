import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** One row of a benchmark table: what was measured, by which implementation, and the numbers. */
export interface BenchRow {
  case: string
  implementation: string
  [metric: string]: string | number | null
}

export interface BenchReport {
  suite: string
  machine: { cpus: number, node: string, platform: string }
  started_at: string
  rows: BenchRow[]
  notes: string[]
}

export const BENCH_DIR = '.bench'

/** Prints a report as an aligned table on stdout and writes it to `.bench/<suite>.json`. */
export async function publish (report: BenchReport): Promise<string> {
  const columns = [...new Set(report.rows.flatMap(row => Object.keys(row)))]
  const cell = (value: unknown): string => typeof value === 'number' ? (Number.isInteger(value) ? String(value) : value.toFixed(2)) : value === null || value === undefined ? '-' : String(value)
  const widths = columns.map(c => Math.max(c.length, ...report.rows.map(r => cell(r[c]).length)))
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()
  process.stdout.write(`\n## ${report.suite}\n\n${line(columns)}\n${line(widths.map(w => '-'.repeat(w)))}\n`)
  for (const row of report.rows) process.stdout.write(`${line(columns.map(c => cell(row[c])))}\n`)
  for (const note of report.notes) process.stdout.write(`note: ${note}\n`)
  await mkdir(BENCH_DIR, { recursive: true })
  const file = join(BENCH_DIR, `${report.suite}.json`)
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`)
  process.stdout.write(`(written to ${file})\n`)
  return file
}
