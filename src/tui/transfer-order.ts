import type { TransferInfo } from '../api/types.js'

export const SORT_KEYS = ['name', 'progress', 'rate', 'eta'] as const
export type SortKey = typeof SORT_KEYS[number]

export function nextSortKey (key: SortKey): SortKey {
  return SORT_KEYS[(SORT_KEYS.indexOf(key) + 1) % SORT_KEYS.length] ?? 'name'
}

const byName = (a: TransferInfo, b: TransferInfo): number => a.name.localeCompare(b.name) || a.id.localeCompare(b.id)

/** Transfers in display order; ties fall back to the name so rows never jump between frames. */
export function sortTransfers (transfers: TransferInfo[], key: SortKey): TransferInfo[] {
  const compare: Record<SortKey, (a: TransferInfo, b: TransferInfo) => number> = {
    name: byName,
    progress: (a, b) => b.progress - a.progress || byName(a, b),
    rate: (a, b) => (b.download_bps + b.upload_bps) - (a.download_bps + a.upload_bps) || byName(a, b),
    // Unknown ETAs (stalled, seeding) go last.
    eta: (a, b) => (a.eta_s ?? Infinity) - (b.eta_s ?? Infinity) || byName(a, b)
  }
  return [...transfers].sort(compare[key])
}

/** Case-insensitive match on name, state and infohash prefix. */
export function filterTransfers (transfers: TransferInfo[], filter: string): TransferInfo[] {
  const needle = filter.trim().toLowerCase()
  if (needle === '') return transfers
  return transfers.filter(t => t.name.toLowerCase().includes(needle) || t.state.startsWith(needle) || t.infohash.startsWith(needle))
}

/** Whether `p` on this transfer pauses it (else it resumes it). */
export function isPausable (t: TransferInfo): boolean {
  return !t.paused && t.state !== 'failed' && t.state !== 'cancelled'
}
