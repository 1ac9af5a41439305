import type { TransferInfo } from '../../api/types.js'
import { SilmarilError } from '../../errors.js'
import type { CliContext } from '../context.js'
import { formatBytes, formatDuration, formatTable } from '../output.js'

export interface TransfersArgs {
  action?: string
  id?: string
  all?: boolean
}

const ACTIONS = ['list', 'show', 'pause', 'resume', 'cancel'] as const
type Action = typeof ACTIONS[number]

/** `silmaril transfers [list|show|pause|resume|cancel] [id]`: ids may be shortened to a unique prefix. */
export async function transfers (ctx: CliContext, args: TransfersArgs): Promise<void> {
  const action = (args.action ?? 'list') as Action
  if (!ACTIONS.includes(action)) throw SilmarilError.usage(`unknown transfers action "${args.action}"; use one of ${ACTIONS.join(', ')}`)
  const client = await ctx.daemon()
  if (action === 'list') {
    const { transfers: list } = await client.get<{ transfers: TransferInfo[] }>('/api/v1/transfers')
    printList(ctx, list)
    return
  }
  const ids = await targets(args, action, async () => (await client.get<{ transfers: TransferInfo[] }>('/api/v1/transfers')).transfers)
  for (const id of ids) {
    const path = `/api/v1/transfers/${encodeURIComponent(id)}`
    if (action === 'show') printDetails(ctx, await client.get<TransferInfo>(path))
    else if (action === 'cancel') {
      const result = await client.delete<{ id: string }>(path)
      if (ctx.out.json) ctx.out.dataJson(result)
      else ctx.out.info(`cancelled ${result.id.slice(0, 12)}; its staged data is removed`)
    } else {
      const t = await client.put<TransferInfo>(`${path}/${action}`)
      if (ctx.out.json) ctx.out.dataJson(t)
      else ctx.out.info(`${t.name}: ${t.state}`)
    }
  }
}

async function targets (args: TransfersArgs, action: Action, list: () => Promise<TransferInfo[]>): Promise<string[]> {
  if (args.all === true) {
    if (action !== 'pause' && action !== 'resume') throw SilmarilError.usage('--all works with pause and resume')
    const all = await list()
    return all.filter(t => action === 'pause' ? !t.paused && t.state !== 'failed' : t.paused).map(t => t.id)
  }
  if (args.id === undefined) throw SilmarilError.usage(`say which transfer to ${action}: an id from "silmaril transfers" (a prefix is enough)${action === 'pause' || action === 'resume' ? ', or --all' : ''}`)
  return [args.id]
}

function printList (ctx: CliContext, list: TransferInfo[]): void {
  if (ctx.out.json) {
    ctx.out.dataJson(list)
    return
  }
  if (list.length === 0) {
    ctx.out.info('no transfers; get a model with "silmaril get <name>" or share one with "silmaril share <path>"')
    return
  }
  const tty = ctx.out.tty
  const rows = list.map(t => [
    tty ? t.id.slice(0, 12) : t.id,
    t.kind,
    t.state,
    tty ? `${(t.progress * 100).toFixed(1)}%` : t.progress.toFixed(4),
    tty ? `${formatBytes(t.download_bps)}/s` : String(t.download_bps),
    tty ? `${formatBytes(t.upload_bps)}/s` : String(t.upload_bps),
    `${t.seeders}/${t.peers}`,
    t.eta_s === null ? '-' : tty ? formatDuration(t.eta_s) : String(t.eta_s),
    tty ? formatBytes(t.total_bytes) : String(t.total_bytes),
    t.name
  ])
  ctx.out.data(formatTable(['ID', 'KIND', 'STATE', 'DONE', 'DOWN', 'UP', 'SEEDS/PEERS', 'ETA', 'SIZE', 'NAME'], rows, tty))
}

function printDetails (ctx: CliContext, t: TransferInfo): void {
  if (ctx.out.json) {
    ctx.out.dataJson(t)
    return
  }
  const rows: Array<[string, string]> = [
    ['id', t.id], ['name', t.name], ['kind', t.kind], ['state', t.state], ['revision', t.revision ?? '-'], ['license', t.license ?? '-'],
    ['publisher', t.publisher ?? '-'], ['infohash', t.infohash], ['infohash_v2', t.infohash_v2 ?? '-'], ['magnet', t.magnet], ['path', t.path ?? '-'],
    ['progress', `${(t.progress * 100).toFixed(1)}% of ${formatBytes(t.total_bytes)}`],
    ['rates', `↓ ${formatBytes(t.download_bps)}/s  ↑ ${formatBytes(t.upload_bps)}/s`],
    ['peers', `${t.peers} (${t.seeders} seeders)`], ['from origin', formatBytes(t.origin_bytes)],
    ['verification', t.verification === undefined ? '-' : `${t.verification.state}${t.verification.detail === null ? '' : `: ${t.verification.detail}`}`]
  ]
  if (t.error !== null) rows.push(['error', t.error.message])
  ctx.out.data(rows.map(([k, v]) => `${k.padEnd(13)} ${v}`).join('\n'))
  if ((t.files ?? []).length > 0) {
    ctx.out.data('')
    ctx.out.data(formatTable(['FILE', 'SIZE', 'DONE'], (t.files ?? []).map(f => [f.path, formatBytes(f.size), f.selected ? `${f.size > 0 ? Math.floor((f.done_bytes / f.size) * 100) : 100}%` : 'skipped']), true))
  }
  if ((t.peer_list ?? []).length > 0) {
    ctx.out.data('')
    ctx.out.data(formatTable(['PEER', 'CLIENT', 'DOWN', 'UP'], (t.peer_list ?? []).map(p => [p.address, p.client, `${formatBytes(p.download_bps)}/s`, `${formatBytes(p.upload_bps)}/s`]), true))
  }
}
