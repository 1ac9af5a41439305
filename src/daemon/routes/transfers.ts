import type { FastifyInstance } from 'fastify'
import type { ApiContext } from '../context.js'

const ID_PARAMS = { type: 'object', properties: { id: { type: 'string', minLength: 4, maxLength: 200 } }, required: ['id'] } as const

interface IdRequest { Params: { id: string } }

/** Downloads and seeds: list, inspect, pause, resume, cancel. Ids may be shortened to a unique prefix. */
export function transferRoutes (app: FastifyInstance, ctx: ApiContext): void {
  const transfers = ctx.node.transfers
  app.get('/api/v1/transfers', async () => ({ transfers: await transfers.list() }))
  app.get<IdRequest>('/api/v1/transfers/:id', { schema: { params: ID_PARAMS } }, async request => {
    return await transfers.get(await transfers.resolveId(request.params.id))
  })
  app.put<IdRequest>('/api/v1/transfers/:id/pause', { schema: { params: ID_PARAMS } }, async request => {
    return await transfers.pause(await transfers.resolveId(request.params.id))
  })
  app.put<IdRequest>('/api/v1/transfers/:id/resume', { schema: { params: ID_PARAMS } }, async request => {
    return await transfers.resume(await transfers.resolveId(request.params.id))
  })
  app.delete<IdRequest>('/api/v1/transfers/:id', { schema: { params: ID_PARAMS } }, async request => {
    return await transfers.cancel(await transfers.resolveId(request.params.id))
  })
}
