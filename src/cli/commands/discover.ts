import type { DiscoveredModel } from '../../api/types.js'
import { fingerprint } from '../../fingerprint.js'
import type { CliContext } from '../context.js'
import { formatBytes, formatTable } from '../output.js'

export interface DiscoverArgs {
  pattern?: string
  tag?: string
  license?: string
  format?: string
  publisher?: string
  refresh?: boolean
  limit?: number
}

export async function discover (ctx: CliContext, args: DiscoverArgs): Promise<void> {
  const params = new URLSearchParams()
  for (const key of ['pattern', 'tag', 'license', 'format', 'publisher'] as const) {
    const value = args[key]
    if (value !== undefined && value !== '') params.set(key, value)
  }
  if (args.refresh === true) params.set('refresh', 'true')
  if (args.limit !== undefined) params.set('limit', String(args.limit))
  const client = await ctx.daemon()
  const { results } = await client.get<{ results: DiscoveredModel[] }>(`/api/v1/discover?${params.toString()}`)
  if (ctx.out.json) {
    ctx.out.dataJson(results)
    return
  }
  if (results.length === 0) {
    ctx.out.info(args.pattern === undefined ? 'the catalog is empty so far; try again after a refresh (--refresh)' : `no models match "${args.pattern}"`)
    return
  }
  const rows = ctx.out.tty
    ? results.map(m => [m.name, m.revision, m.license, formatBytes(m.size), m.format, m.tags.slice(0, 6).join(','), fingerprint(m.publisher)])
    : results.map(m => [m.name, m.revision, m.license, String(m.size), m.format, m.tags.join(','), m.publisher, m.infohash])
  ctx.out.data(formatTable(['NAME', 'REVISION', 'LICENSE', 'SIZE', 'FORMAT', 'TAGS', 'PUBLISHER'], rows, ctx.out.tty))
}
