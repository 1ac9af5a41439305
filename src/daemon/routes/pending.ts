import type { FastifyInstance } from 'fastify'
import { SilmarilError } from '../../errors.js'

const ID_PARAMS = { type: 'object', properties: { id: { type: 'string', minLength: 1 } }, required: ['id'] } as const

/** Endpoints of the seed README whose features later work builds; they answer 501, never a fake success. */
export function pendingRoutes (app: FastifyInstance): void {
  const pending = (feature: string) => async () => { throw SilmarilError.notImplemented(feature) }
  app.get('/api/v1/transfers', pending('transfers'))
  app.get('/api/v1/transfers/:id', { schema: { params: ID_PARAMS } }, pending('transfers'))
  app.put('/api/v1/transfers/:id/pause', { schema: { params: ID_PARAMS } }, pending('pausing transfers'))
  app.put('/api/v1/transfers/:id/resume', { schema: { params: ID_PARAMS } }, pending('resuming transfers'))
  app.delete('/api/v1/transfers/:id', { schema: { params: ID_PARAMS } }, pending('cancelling transfers'))
  app.get('/api/v1/events', pending('the event stream'))
}
