import { SilmarilError } from '../errors.js'

/** Where a command writes: data to stdout, everything else to stderr (clig.dev). */
export interface Output {
  json: boolean
  /** stdout is a terminal: tables may align and use colour. */
  tty: boolean
  color: boolean
  data (text: string): void
  dataJson (value: unknown): void
  info (text: string): void
  warn (text: string): void
  error (err: SilmarilError): void
}

export function createOutput (json: boolean, streams: { stdout: NodeJS.WriteStream, stderr: NodeJS.WriteStream } = process): Output {
  const tty = streams.stdout.isTTY === true
  const color = tty && process.env['NO_COLOR'] === undefined
  return {
    json,
    tty,
    color,
    data: text => { streams.stdout.write(text.endsWith('\n') ? text : `${text}\n`) },
    dataJson: value => { streams.stdout.write(`${JSON.stringify(value, null, 2)}\n`) },
    info: text => { streams.stderr.write(`${text}\n`) },
    warn: text => { streams.stderr.write(`warning: ${text}\n`) },
    error: err => {
      if (json) streams.stderr.write(`${JSON.stringify({ error: err.toJSON() })}\n`)
      else streams.stderr.write(`silmaril: ${err.message}\n`)
    }
  }
}

/** Rows as an aligned table on a terminal, tab-separated otherwise (easy to cut and awk). */
export function formatTable (headers: string[], rows: string[][], tty: boolean): string {
  if (!tty) return rows.map(r => r.join('\t')).join('\n')
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)))
  const line = (cells: string[]): string => cells.map((c, i) => i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()
  return [line(headers), ...rows.map(line)].join('\n')
}

export function formatBytes (bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++ }
  return unit === 0 ? `${value} B` : `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`
}

export function formatDuration (seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  if (d > 0) return `${d}d ${h}h`
  if (h > 0) return `${h}h ${m}m`
  if (m > 0) return `${m}m ${s % 60}s`
  return `${s}s`
}
