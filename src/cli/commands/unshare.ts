import type { UnshareResult } from '../../api/types.js'
import { parseModelName } from '../../models/names.js'
import type { CliContext } from '../context.js'

export interface UnshareArgs {
  model: string
  delete?: boolean
}

export async function unshare (ctx: CliContext, args: UnshareArgs): Promise<void> {
  const name = parseModelName(args.model)
  const client = await ctx.daemon()
  const result = await client.delete<UnshareResult>(`/api/v1/models/${name.org}/${name.name}${args.delete === true ? '?delete=true' : ''}`)
  if (ctx.out.json) {
    ctx.out.dataJson(result)
    return
  }
  ctx.out.info(`stopped sharing ${result.name}`)
  if (result.deleted) ctx.out.info(`deleted ${result.path}`)
  else if (args.delete === true) ctx.out.info(`kept ${result.path}: it is not inside the data dir, so it is yours to delete`)
  else ctx.out.info(`its files stay in ${result.path} (add --delete to remove a downloaded model's files)`)
}
