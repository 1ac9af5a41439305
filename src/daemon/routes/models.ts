import type { FastifyInstance } from 'fastify'
import { SilmarilError } from '../../errors.js'
import type { ApiContext } from '../context.js'

const NAME_PARAMS = {
  type: 'object',
  properties: { org: { type: 'string', minLength: 1 }, name: { type: 'string', minLength: 1 } },
  required: ['org', 'name']
} as const

const SHARE_BODY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    path: { type: 'string', minLength: 1 },
    url: { type: 'string', minLength: 1 },
    model: { type: 'string', minLength: 1 },
    all: { type: 'boolean' },
    name: { type: 'string', minLength: 1 },
    license: { type: 'string', minLength: 1 },
    version: { type: 'string', minLength: 1 },
    tags: { type: 'array', items: { type: 'string' } },
    description: { type: 'string' },
    piece_length: { type: 'integer', minimum: 0 },
    skip_dht: { type: 'boolean' },
    sign: { type: 'boolean' },
    branch: { type: 'string' },
    depth: { type: 'integer', minimum: 0 },
    skip_lfs: { type: 'boolean' }
  }
} as const

const DOWNLOAD_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1 },
    revision: { type: 'string', minLength: 1 },
    publisher: { type: 'string', pattern: '^[0-9a-fA-F]{4,64}$' },
    include: { type: 'array', items: { type: 'string' } },
    exclude: { type: 'array', items: { type: 'string' } },
    output: { type: 'string', minLength: 1 },
    accept_license: { type: 'boolean' }
  }
} as const

export function modelRoutes (app: FastifyInstance, ctx: ApiContext): void {
  app.get('/api/v1/models', async () => ({ models: await ctx.node.listModels() }))

  app.get<{ Params: { org: string, name: string } }>('/api/v1/models/:org/:name', { schema: { params: NAME_PARAMS } }, async request => {
    const wanted = `${request.params.org}/${request.params.name}`
    const model = (await ctx.node.listModels()).find(m => m.name === wanted)
    if (model === undefined) throw SilmarilError.notFound(`no local model named ${wanted}`)
    return model
  })

  app.post('/api/v1/models/share', { schema: { body: SHARE_BODY } }, async () => {
    throw SilmarilError.notImplemented('sharing models')
  })

  app.post('/api/v1/models/download', { schema: { body: DOWNLOAD_BODY } }, async () => {
    throw SilmarilError.notImplemented('downloading models')
  })

  app.delete('/api/v1/models/:org/:name', { schema: { params: NAME_PARAMS } }, async () => {
    throw SilmarilError.notImplemented('unsharing models')
  })
}
