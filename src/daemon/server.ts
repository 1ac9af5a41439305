import Fastify, { type FastifyInstance } from 'fastify'
import { bearerAuth } from './auth.js'
import type { ApiContext } from './context.js'
import { errorHandler, sendError } from './errors.js'
import { discoverRoutes } from './routes/discover.js'
import { modelRoutes } from './routes/models.js'
import { transferRoutes } from './routes/transfers.js'
import { eventRoutes } from './routes/events.js'
import { systemRoutes } from './routes/system.js'

const BODY_LIMIT_BYTES = 1024 * 1024

export interface ApiInit {
  token: string
}

/** The REST API over a node: JSON in, JSON out, no business logic. */
export function buildApi (ctx: ApiContext, init: ApiInit): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } }
  })
  app.addHook('onRequest', bearerAuth(init.token))
  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler((request, reply) => {
    sendError(reply, 404, 'not_found', `no such endpoint: ${request.method} ${request.url.split('?')[0] ?? ''}`)
  })
  systemRoutes(app, ctx)
  modelRoutes(app, ctx)
  discoverRoutes(app, ctx)
  transferRoutes(app, ctx)
  eventRoutes(app, ctx)
  return app
}
