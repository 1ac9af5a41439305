import type { NodeSnapshot } from '../../api/types.js'
import { SilmarilError } from '../../errors.js'
import type { CliContext } from '../context.js'
import { startDaemon, stopDaemon } from '../daemon-control.js'
import { formatBytes, formatDuration } from '../output.js'

export interface DaemonStartArgs {
  port?: number
  bind?: string
  listenPort?: number
  bootstrap?: string[]
  dht?: boolean
}

export async function daemonStart (ctx: CliContext, args: DaemonStartArgs): Promise<void> {
  ctx.withOverrides({
    'daemon.port': args.port,
    'daemon.bind_address': args.bind,
    'network.listen_port': args.listenPort,
    'network.bootstrap_nodes': args.bootstrap,
    'network.dht_enabled': args.dht
  })
  const info = await startDaemon(ctx, { quiet: ctx.out.json })
  if (ctx.out.json) ctx.out.dataJson(info)
}

export async function daemonStop (ctx: CliContext): Promise<void> {
  const stopped = await stopDaemon(ctx)
  const { dataDir } = await ctx.config()
  if (ctx.out.json) {
    ctx.out.dataJson({ stopped: stopped !== undefined, pid: stopped?.pid ?? null })
  } else {
    ctx.out.info(stopped === undefined ? `no daemon is running for ${dataDir}` : `daemon stopped (pid ${stopped.pid})`)
  }
}

export async function daemonStatus (ctx: CliContext): Promise<void> {
  const client = await ctx.client()
  let status: NodeSnapshot
  try {
    status = await client.get<NodeSnapshot>('/api/v1/status')
  } catch (err) {
    if (err instanceof SilmarilError && err.code === 'daemon_unreachable') {
      const { dataDir } = await ctx.config()
      throw new SilmarilError('daemon_unreachable', `no daemon is running for ${dataDir} (${client.url}); start it with "silmaril daemon start"`)
    }
    throw err
  }
  if (ctx.out.json) {
    ctx.out.dataJson({ running: true, url: client.url, ...status })
    return
  }
  const lines: Array<[string, string]> = [
    ['status', 'running'],
    ['pid', String(status.pid)],
    ['api', client.url],
    ['version', status.version],
    ['uptime', formatDuration(status.uptime_s)],
    ['data dir', status.data_dir],
    ['publisher', `${status.publisher.fingerprint} (${status.publisher.id})`],
    ['dht', status.dht.enabled ? `${status.dht.nodes} nodes, port ${status.dht.port ?? '-'}${status.dht.ready ? '' : ' (joining)'}` : 'disabled'],
    ['peer port', String(status.torrent.port ?? '-')],
    ['transfers', `${status.transfers.total} (${status.transfers.downloading} downloading, ${status.transfers.seeding} seeding)`],
    ['peers', String(status.peers)],
    ['rates', `↓ ${formatBytes(status.rates.download_bps)}/s  ↑ ${formatBytes(status.rates.upload_bps)}/s`]
  ]
  if (status.catalog !== null) {
    const c = status.catalog
    lines.push(
      ['catalog', `${c.live} models (${c.entries} entries) from ${c.publishers_known} publishers; last refresh ${c.last_refresh ?? 'never'}`],
      ['catalog torrent', c.infohash ?? '-'],
      ['own catalog', c.own_slot.magnet],
      ['shared slot', `${c.shared_slot.last ?? 'not written yet'}`]
    )
    const rejected = Object.entries(c.rejected).filter(([reason, n]) => n > 0 && reason !== 'duplicate' && reason !== 'stale')
    if (rejected.length > 0) lines.push(['rejected', rejected.map(([reason, n]) => `${n} ${reason}`).join(', ')])
  }
  const width = Math.max(...lines.map(([k]) => k.length))
  ctx.out.data(lines.map(([k, v]) => ctx.out.tty ? `${k.padEnd(width)}  ${v}` : `${k}\t${v}`).join('\n'))
}
