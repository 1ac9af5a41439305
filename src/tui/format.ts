import { formatBytes, formatDuration } from '../cli/output.js'

export { formatBytes }

export function formatRate (bps: number): string {
  return bps <= 0 ? '-' : `${formatBytes(Math.round(bps))}/s`
}

export function formatEta (seconds: number | null): string {
  return seconds === null || !Number.isFinite(seconds) ? '-' : formatDuration(seconds)
}

export function formatPercent (fraction: number): string {
  const clamped = Math.min(1, Math.max(0, fraction))
  // 99.97 % is not done: only a finished transfer shows 100.
  return `${clamped < 1 ? Math.min(99, Math.floor(clamped * 100)) : 100}%`
}

export function formatRatio (ratio: number): string {
  return Number.isFinite(ratio) ? ratio.toFixed(2) : '∞'
}

/** `[#####.....]`-style bar in block characters, `width` cells wide. */
export function progressBar (fraction: number, width: number): string {
  if (width <= 0) return ''
  const clamped = Math.min(1, Math.max(0, fraction))
  const filled = Math.floor(clamped * width)
  return '█'.repeat(filled) + '░'.repeat(width - filled)
}

/** Cuts text to `width` cells with an ellipsis, padded to exactly `width`. */
export function fit (text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return ''
  const chars = [...text]
  const cut = chars.length > width ? `${chars.slice(0, Math.max(0, width - 1)).join('')}…` : text
  return align === 'left' ? cut.padEnd(width) : cut.padStart(width)
}

export function shortHash (hash: string | null, length = 12): string {
  return hash === null ? '-' : hash.slice(0, length)
}

/** `2026-01-01T10:00:00Z` as "12s ago" relative to `now`. */
export function formatAgo (iso: string | null, now = Date.now()): string {
  if (iso === null) return 'never'
  const at = Date.parse(iso)
  if (Number.isNaN(at)) return iso
  return `${formatDuration(Math.max(0, (now - at) / 1000))} ago`
}
