import type { FastifyInstance } from 'fastify'
import type { ApiContext } from '../context.js'

export function systemRoutes (app: FastifyInstance, ctx: ApiContext): void {
  app.get('/api/v1/health', async () => ({ status: 'ok', version: ctx.node.snapshot().version }))

  app.get('/api/v1/status', async () => ctx.node.snapshot())

  app.get('/api/v1/network', async () => {
    const snapshot = ctx.node.snapshot()
    return { dht: { ...snapshot.dht, peers: ctx.node.dhtNodes() }, torrent: snapshot.torrent }
  })

  app.post('/api/v1/admin/shutdown', async (_request, reply) => {
    reply.raw.once('finish', () => { ctx.shutdown() })
    return await reply.code(202).send({ status: 'stopping' })
  })
}
