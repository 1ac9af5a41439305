import type { FastifyInstance } from 'fastify'
import { SilmarilError } from '../../errors.js'
import type { ApiContext } from '../context.js'
import type { DownloadRequest } from '../../api/types.js'

const NAME_PARAMS = {
  type: 'object',
  properties: { org: { type: 'string', minLength: 1 }, name: { type: 'string', minLength: 1 } },
  required: ['org', 'name']
} as const

const SHARE_BODY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    path: { type: 'string', minLength: 1, pattern: '^/' },
    url: { type: 'string', minLength: 1 },
    model: { type: 'string', minLength: 1 },
    all: { type: 'boolean' },
    name: { type: 'string', minLength: 1 },
    license: { type: 'string', minLength: 1 },
    version: { type: 'string', minLength: 1 },
    tags: { type: 'array', items: { type: 'string' } },
    description: { type: 'string' },
    source_url: { type: 'string', pattern: '^https?://', maxLength: 2048 },
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
  properties: {
    ref: { type: 'string', minLength: 1 },
    name: { type: 'string', minLength: 1 },
    revision: { type: 'string', minLength: 1 },
    publisher: { type: 'string', pattern: '^[0-9a-fA-F]{4,64}$' },
    include: { type: 'array', items: { type: 'string' } },
    exclude: { type: 'array', items: { type: 'string' } },
    output: { type: 'string', minLength: 1 },
    accept_license: { type: 'boolean' }
  }
} as const

interface ShareBody {
  path?: string
  url?: string
  model?: string
  all?: boolean
  name?: string
  license?: string
  version?: string
  tags?: string[]
  description?: string
  source_url?: string
  piece_length?: number
  skip_dht?: boolean
  sign?: boolean
  branch?: string
  depth?: number
  skip_lfs?: boolean
}

/** The entries of an object whose values are not undefined (for exactOptionalPropertyTypes-style options). */
function defined<T extends Record<string, unknown>> (object: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> }
}

export function modelRoutes (app: FastifyInstance, ctx: ApiContext): void {
  app.get('/api/v1/models', async () => ({ models: await ctx.node.listModels() }))

  app.get<{ Params: { org: string, name: string } }>('/api/v1/models/:org/:name', { schema: { params: NAME_PARAMS } }, async request => {
    const wanted = `${request.params.org}/${request.params.name}`
    const model = (await ctx.node.listModels()).find(m => m.name === wanted)
    if (model === undefined) throw SilmarilError.notFound(`no local model named ${wanted}`)
    return model
  })

  app.get<{ Params: { org: string, name: string } }>('/api/v1/models/:org/:name/torrent', { schema: { params: NAME_PARAMS } }, async (request, reply) => {
    const name = `${request.params.org}/${request.params.name}`
    const torrent = await ctx.node.torrentFile(name)
    if (torrent === undefined) throw SilmarilError.notFound(`no local model named ${name}`)
    return await reply.type('application/x-bittorrent').header('content-disposition', `attachment; filename="${request.params.name}.torrent"`).send(torrent)
  })

  app.post<{ Body: ShareBody }>('/api/v1/models/share', { schema: { body: SHARE_BODY } }, async request => {
    const body = request.body
    const targets = [body.path, body.url, body.model, body.all === true ? true : undefined].filter(t => t !== undefined)
    if (targets.length !== 1) throw SilmarilError.badRequest('give exactly one of path, url, model or all: true')
    const options = {
      ...defined({ name: body.name, license: body.license, revision: body.version, tags: body.tags, description: body.description }),
      ...defined({ pieceLength: body.piece_length, sign: body.sign, skipDht: body.skip_dht })
    }
    if (body.all === true) return await ctx.node.share.shareAll()
    if (body.model !== undefined) return await ctx.node.share.shareModel(body.model)
    if (body.url !== undefined) {
      return await ctx.node.share.shareUrl({ url: body.url, ...options, ...defined({ branch: body.branch, depth: body.depth, skipLfs: body.skip_lfs }) })
    }
    return await ctx.node.share.shareFolder({ path: body.path ?? '', ...options, ...body.source_url === undefined ? {} : { source: { url: body.source_url } } })
  })

  app.post<{ Body: DownloadRequest & { name?: string } }>('/api/v1/models/download', { schema: { body: DOWNLOAD_BODY } }, async (request, reply) => {
    const { name, ...body } = request.body
    const ref = body.ref ?? name
    if (ref === undefined) throw SilmarilError.badRequest('say what to get in "ref": a model name, a magnet link or an infohash')
    return await reply.code(202).send(await ctx.node.transfers.download({ ...body, ref }))
  })

  app.delete<{ Params: { org: string, name: string }, Querystring: { delete?: string } }>('/api/v1/models/:org/:name', {
    schema: { params: NAME_PARAMS, querystring: { type: 'object', additionalProperties: false, properties: { delete: { type: 'string', enum: ['true', 'false', '1', '0'] } } } }
  }, async request => {
    const remove = request.query.delete === 'true' || request.query.delete === '1'
    return await ctx.node.share.unshare(`${request.params.org}/${request.params.name}`, { delete: remove })
  })
}
