import type { TransferInfo } from '../api/types.js'
import { formatBytes, formatDuration } from './output.js'

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
