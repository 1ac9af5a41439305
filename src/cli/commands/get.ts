import { resolve } from 'node:path'
import type { DownloadRequest, LocalModel, ServerEvent, TransferInfo } from '../../api/types.js'
import { isErrorCode, SilmarilError } from '../../errors.js'
import { EventStream } from '../event-stream.js'
import type { DaemonClient } from '../client.js'
import type { CliContext } from '../context.js'
import { formatBytes } from '../output.js'
import { StatusLine, transferLine } from '../progress.js'

export interface GetArgs {
  ref: string
  revision?: string
  publisher?: string
  include?: string[]
  exclude?: string[]
  output?: string
  acceptLicense?: boolean
  detach?: boolean
}

export async function get (ctx: CliContext, args: GetArgs): Promise<void> {
  const body: DownloadRequest = { ref: args.ref }
  if (args.revision !== undefined) body.revision = args.revision
  if (args.publisher !== undefined) body.publisher = args.publisher
  if (args.include !== undefined) body.include = splitGlobs(args.include)
  if (args.exclude !== undefined) body.exclude = splitGlobs(args.exclude)
  if (args.output !== undefined) body.output = resolve(args.output)
  if (args.acceptLicense === true) body.accept_license = true
  const client = await ctx.daemon()
  const started = await client.post<TransferInfo>('/api/v1/models/download', body)
  if (args.detach === true) {
    if (ctx.out.json) ctx.out.dataJson(started)
    else ctx.out.data(started.id)
    if (!ctx.out.json) ctx.out.info(`${started.name}: ${started.state}; follow it with "silmaril transfers show ${started.id.slice(0, 12)}"`)
    return
  }
  const done = started.kind === 'seed' ? started : await follow(ctx, client, started)
  const model = await client.get<LocalModel>(`/api/v1/models/${done.name}`)
  if (ctx.out.json) {
    ctx.out.dataJson(model)
    return
  }
  ctx.out.data(model.path)
  const already = started.kind === 'seed'
  ctx.out.info(`${already ? 'already installed' : 'installed'}: ${model.name} ${model.revision} (${model.license}, ${formatBytes(model.size)} in ${model.files} files); seeding`)
}

/** `--include '*.gguf,*.json'` and repeated flags both work. */
function splitGlobs (values: string[]): string[] {
  return values.flatMap(v => v.split(',')).map(v => v.trim()).filter(v => v !== '')
}

/** Watches the transfer on the event stream until it is installed (resolves) or fails (throws). */
async function follow (ctx: CliContext, client: DaemonClient, started: TransferInfo): Promise<TransferInfo> {
  const id = started.id
  const line = new StatusLine()
  if (!ctx.out.json) ctx.out.info(`getting ${started.name} (${id.slice(0, 12)}); Ctrl-C stops watching, the daemon keeps going ("silmaril transfers cancel ${id.slice(0, 12)}" stops it)`)
  const stream = new EventStream({ locator: async () => ({ url: client.url, token: client.token }) })
  let lastState = started.state
  try {
    return await new Promise<TransferInfo>((resolveDone, reject) => {
      const show = (t: TransferInfo): void => {
        if (line.enabled) line.show(transferLine(t))
        else if (t.state !== lastState && !ctx.out.json) ctx.out.info(`${t.name}: ${t.state}`)
        lastState = t.state
      }
      const finish = (t: TransferInfo): void => {
        if (t.state === 'seeding') resolveDone(t)
        else if (t.state === 'failed') reject(new SilmarilError(isErrorCode(t.error?.code) ? t.error.code : 'internal', t.error?.message ?? `${t.name} failed`))
        else if (t.state === 'cancelled') reject(new SilmarilError('interrupted', `${t.name} was cancelled`))
      }
      stream.onEvent((event: ServerEvent) => {
        if (event.type === 'hello') {
          const t = event.transfers.find(x => x.id === id)
          if (t === undefined) return reject(new SilmarilError('interrupted', `the transfer ${id.slice(0, 12)} is gone; it was cancelled`))
          show(t)
          finish(t)
        } else if (event.type === 'transfer' && event.transfer.id === id) {
          show(event.transfer)
        } else if (event.type === 'transfer-state' && event.id === id) {
          show(event.transfer)
          finish(event.transfer)
        } else if (event.type === 'transfer-removed' && event.id === id) {
          reject(new SilmarilError('interrupted', `${started.name} was cancelled`))
        } else if (event.type === 'error' && event.transfer_id === id && event.code === 'verification_failed') {
          line.clear()
          ctx.out.warn(event.message)
        }
      })
      stream.onStatus(status => {
        if (status.state === 'refused') reject(new SilmarilError('daemon_unreachable', `the daemon refused the event stream: ${status.reason}`))
        else if (status.state === 'down' && line.enabled) line.show(`the daemon is unreachable (${status.reason}); retrying…`)
      })
      stream.start()
    })
  } finally {
    stream.stop()
    line.clear()
  }
}
