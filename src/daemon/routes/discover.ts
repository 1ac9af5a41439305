import type { FastifyInstance } from 'fastify'
import type { ApiContext } from '../context.js'

interface DiscoverQuery {
  pattern?: string
  tag?: string
  license?: string
  format?: string
  publisher?: string
  refresh?: 'true' | 'false' | '1' | '0'
  limit?: string
}

const DISCOVER_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    pattern: { type: 'string', maxLength: 200 },
    tag: { type: 'string', maxLength: 64 },
    license: { type: 'string', maxLength: 64 },
    format: { type: 'string', maxLength: 32 },
    publisher: { type: 'string', pattern: '^[0-9a-fA-F:]{1,79}$' },
    refresh: { type: 'string', enum: ['true', 'false', '1', '0'] },
    limit: { type: 'string', pattern: '^[1-9][0-9]{0,5}$' }
  }
} as const

export function discoverRoutes (app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: DiscoverQuery }>('/api/v1/discover', { schema: { querystring: DISCOVER_QUERY } }, async request => {
    const q = request.query
    const query = Object.fromEntries(Object.entries({ pattern: q.pattern, tag: q.tag, license: q.license, format: q.format, publisher: q.publisher?.toLowerCase(), limit: q.limit === undefined ? undefined : Number(q.limit) })
      .filter(([, v]) => v !== undefined && v !== ''))
    const results = await ctx.node.discover(query, { refresh: q.refresh === 'true' || q.refresh === '1' })
    return { results }
  })
}
