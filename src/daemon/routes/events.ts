import type { FastifyInstance } from 'fastify'
import type { ServerEvent } from '../../api/types.js'
import { VERSION } from '../../version.js'
import type { ApiContext } from '../context.js'

/** A comment line this often keeps proxies and idle timeouts from closing a quiet stream. */
const KEEPALIVE_MS = 15_000

/**
 * `GET /api/v1/events`: server-sent events, `event: <type>` and `data: <json>`, starting with a
 * `hello` that carries every transfer, so a client needs no separate first request.
 */
export function eventRoutes (app: FastifyInstance, ctx: ApiContext): void {
  // Streams never end on their own; closing the server ends them, or it would wait for them forever.
  const open = new Set<{ end: () => void }>()
  app.addHook('preClose', async () => { for (const res of open) res.end() })
  app.get('/api/v1/events', async (request, reply) => {
    const transfers = await ctx.node.transfers.list()
    reply.hijack()
    const res = reply.raw
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' })
    const send = (event: ServerEvent): void => { res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`) }
    send({ type: 'hello', version: VERSION, transfers })
    const listener = (event: ServerEvent): void => { send(event) }
    ctx.node.on('event', listener)
    const keepalive = setInterval(() => { res.write(': keepalive\n\n') }, KEEPALIVE_MS)
    open.add(res)
    const close = (): void => {
      open.delete(res)
      clearInterval(keepalive)
      ctx.node.off('event', listener)
    }
    request.raw.once('close', close)
    res.once('close', close)
  })
}
