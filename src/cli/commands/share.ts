import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { LocalModel, NodeSnapshot, ShareAllResult, ShareResult } from '../../api/types.js'
import { SilmarilError } from '../../errors.js'
import { isModelName } from '../../models/names.js'
import { isRepositoryUrl } from '../../share/git-source.js'
import type { DaemonClient } from '../client.js'
import type { CliContext } from '../context.js'
import { formatBytes } from '../output.js'
import { progressLine, StatusLine } from '../progress.js'

export interface ShareArgs {
  target?: string
  all?: boolean
  name?: string
  license?: string
  version?: string
  tags?: string[]
  description?: string
  sourceUrl?: string
  pieceLength?: string
  skipDht?: boolean
  sign?: boolean
  monitor?: boolean
  branch?: string
  depth?: number
  skipLfs?: boolean
}

const SHARE_TIMEOUT_MS = 24 * 60 * 60 * 1000
const PROGRESS_POLL_MS = 500
const MONITOR_POLL_MS = 2000

export async function share (ctx: CliContext, args: ShareArgs): Promise<void> {
  const body = { ...await target(args), ...options(args) }
  const client = await ctx.daemon()
  const result = await withProgress(client, () => client.post<ShareResult | ShareAllResult>('/api/v1/models/share', body, { timeoutMs: SHARE_TIMEOUT_MS }))
  if ('shared' in result) {
    printAll(ctx, result)
    return
  }
  if (args.name === undefined && body.path !== undefined && !ctx.out.json) {
    ctx.out.info(`name: ${result.name} (set --name org/model to choose another)`)
  }
  printResult(ctx, result)
  if (args.monitor === true) await monitor(ctx, client, result.name)
}

async function target (args: ShareArgs): Promise<{ path?: string, url?: string, model?: string, all?: true }> {
  if (args.all === true) {
    if (args.target !== undefined) throw SilmarilError.usage('give either a target or --all, not both')
    return { all: true }
  }
  if (args.target === undefined) throw SilmarilError.usage('name a folder, a repository URL or a local model to share, or use --all')
  if (isRepositoryUrl(args.target)) return { url: args.target }
  const path = resolve(args.target)
  if (await stat(path).then(() => true, () => false)) return { path }
  if (isModelName(args.target)) return { model: args.target }
  throw SilmarilError.notFound(`${args.target} is neither a folder, a repository URL nor a local model`)
}

function options (args: ShareArgs): Record<string, unknown> {
  const body: Record<string, unknown> = {}
  if (args.name !== undefined) body['name'] = args.name
  if (args.license !== undefined) body['license'] = args.license
  if (args.version !== undefined) body['version'] = args.version
  if (args.tags !== undefined) body['tags'] = args.tags.flatMap(t => t.split(',')).map(t => t.trim()).filter(t => t !== '')
  if (args.description !== undefined) body['description'] = args.description
  if (args.sourceUrl !== undefined) body['source_url'] = args.sourceUrl
  if (args.pieceLength !== undefined) body['piece_length'] = parseSize(args.pieceLength)
  if (args.skipDht === true) body['skip_dht'] = true
  if (args.sign !== undefined) body['sign'] = args.sign
  if (args.branch !== undefined) body['branch'] = args.branch
  if (args.depth !== undefined) body['depth'] = args.depth
  if (args.skipLfs === true) body['skip_lfs'] = true
  return body
}

/** `4194304`, `4MiB`, `4M` and `4MB` are all 4 MiB: piece lengths are powers of two. */
export function parseSize (text: string): number {
  const match = /^(\d+)\s*([kKmM]?)(i?[bB])?$/.exec(text.trim())
  if (match === null) throw SilmarilError.usage(`--piece-length "${text}" is not a size; use bytes or a unit, e.g. 4MiB or 262144`)
  const unit = match[2]?.toLowerCase()
  return Number(match[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 * 1024 : 1)
}

async function withProgress<T> (client: DaemonClient, run: () => Promise<T>): Promise<T> {
  const line = new StatusLine()
  if (!line.enabled) return await run()
  const timer = setInterval(() => {
    client.get<NodeSnapshot>('/api/v1/status').then(status => {
      const task = status.tasks[0]
      if (task !== undefined) line.show(progressLine(task))
    }, () => {})
  }, PROGRESS_POLL_MS)
  try {
    return await run()
  } finally {
    clearInterval(timer)
    line.clear()
  }
}

function printResult (ctx: CliContext, result: ShareResult): void {
  if (ctx.out.json) {
    ctx.out.dataJson(result)
    return
  }
  const rows: Array<[string, string]> = [
    ['name', result.name],
    ['revision', result.revision],
    ['infohash', result.infohash],
    ['infohash_v2', result.infohash_v2],
    ['magnet', result.magnet],
    ['path', result.path],
    ['size', ctx.out.tty ? `${formatBytes(result.size)} in ${result.files} files` : String(result.size)],
    ['files', String(result.files)],
    ['signed', result.signed ? 'yes' : 'no']
  ]
  ctx.out.data(rows.map(([k, v]) => ctx.out.tty ? `${k.padEnd(12)} ${v}` : `${k}\t${v}`).join('\n'))
  ctx.out.info(result.unchanged ? `${result.name} was already shared and is seeding` : `sharing ${result.name}: seeding now`)
}

function printAll (ctx: CliContext, result: ShareAllResult): void {
  if (ctx.out.json) ctx.out.dataJson(result)
  else for (const r of result.shared) ctx.out.data(ctx.out.tty ? `${r.name.padEnd(40)} ${r.infohash}` : `${r.name}\t${r.infohash}`)
  for (const f of result.failed) ctx.out.warn(`${f.name}: ${f.error.message}`)
  if (!ctx.out.json) ctx.out.info(`seeding ${result.shared.length} model(s)${result.failed.length > 0 ? `, ${result.failed.length} failed` : ''}`)
  if (result.failed.length > 0) process.exitCode = 1
}

/** `--monitor`: shows the model's peers and upload until Ctrl-C. */
async function monitor (ctx: CliContext, client: DaemonClient, name: string): Promise<void> {
  ctx.out.info('monitoring; Ctrl-C stops watching (the daemon keeps seeding)')
  for (;;) {
    const model = await client.get<LocalModel>(`/api/v1/models/${name}`)
    const text = `${name}  ${model.seeding === true ? 'seeding' : 'not seeding'}  peers ${model.peers ?? 0}  ↑ ${formatBytes(model.upload_bps ?? 0)}/s  uploaded ${formatBytes(model.uploaded ?? 0)}`
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${text}`)
    else ctx.out.info(text)
    await new Promise(resolve => setTimeout(resolve, MONITOR_POLL_MS))
  }
}
