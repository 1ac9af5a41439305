import type { TaskInfo, TransferInfo } from '../api/types.js'
import { formatBytes, formatDuration } from './output.js'

/** One line of progress for a task, e.g. `hashing acme/x  42% 1.2 GiB/2.9 GiB  640 MiB/s  ETA 3s`. */
export function progressLine (task: TaskInfo): string {
  const parts = [`${task.kind} ${task.name}`]
  if (task.total_bytes > 0) {
    parts.push(`${Math.floor((task.done_bytes / task.total_bytes) * 100)}%`, `${formatBytes(task.done_bytes)}/${formatBytes(task.total_bytes)}`)
  }
  if (task.rate_bps > 0) parts.push(`${formatBytes(task.rate_bps)}/s`)
  if (task.eta_s !== null) parts.push(`ETA ${formatDuration(task.eta_s)}`)
  return parts.join('  ')
}

/** `downloading acme/x  42%  1.2 GiB/2.9 GiB  ↓ 110 MiB/s  3 peers  ETA 12s`: one line of a transfer's progress. */
export function transferLine (t: TransferInfo): string {
  const parts = [`${t.state} ${t.name}`]
  if (t.total_bytes > 0) parts.push(`${Math.floor(t.progress * 100)}%`, `${formatBytes(t.done_bytes)}/${formatBytes(t.total_bytes)}`)
  if (t.download_bps > 0) parts.push(`↓ ${formatBytes(t.download_bps)}/s`)
  if (t.upload_bps > 0) parts.push(`↑ ${formatBytes(t.upload_bps)}/s`)
  parts.push(`${t.peers} peer${t.peers === 1 ? '' : 's'}`)
  if (t.origin_bytes > 0) parts.push(`${formatBytes(t.origin_bytes)} from origin`)
  if (t.eta_s !== null) parts.push(`ETA ${formatDuration(t.eta_s)}`)
  return parts.join('  ')
}

/** Rewrites one status line on a terminal's stderr; prints nothing elsewhere (no animation off a TTY). */
export class StatusLine {
  readonly #stream: NodeJS.WriteStream
  #shown = false

  constructor (stream: NodeJS.WriteStream = process.stderr) {
    this.#stream = stream
  }

  get enabled (): boolean { return this.#stream.isTTY === true }

  show (text: string): void {
    if (!this.enabled) return
    const width = Math.max(20, (this.#stream.columns ?? 80) - 1)
    this.#stream.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`)
    this.#shown = true
  }

  clear (): void {
    if (!this.#shown) return
    this.#stream.write('\r\x1b[2K')
    this.#shown = false
  }
}
