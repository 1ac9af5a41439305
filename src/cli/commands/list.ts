import type { LocalModel } from '../../api/types.js'
import type { CliContext } from '../context.js'
import { formatBytes, formatTable } from '../output.js'

export async function list (ctx: CliContext): Promise<void> {
  const client = await ctx.daemon()
  const { models } = await client.get<{ models: LocalModel[] }>('/api/v1/models')
  if (ctx.out.json) {
    ctx.out.dataJson(models)
    return
  }
  if (models.length === 0) {
    ctx.out.info('no local models yet; share one with "silmaril share <path> --license <id>" or fetch one with "silmaril get <name>"')
    return
  }
  const rows = models.map(m => [m.name, m.revision, m.license, ctx.out.tty ? formatBytes(m.size) : String(m.size), String(m.files), m.error ?? m.path])
  ctx.out.data(formatTable(['NAME', 'REVISION', 'LICENSE', 'SIZE', 'FILES', 'PATH'], rows, ctx.out.tty))
}
