import { timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { sendError } from './errors.js'

const PUBLIC_PATHS = new Set(['/api/v1/health'])

/** Every endpoint but health needs `Authorization: Bearer <token>`. */
export function bearerAuth (token: string): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const expected = Buffer.from(token)
  return async (request, reply) => {
    const path = request.url.split('?')[0] ?? ''
    if (PUBLIC_PATHS.has(path)) return
    const header = request.headers.authorization ?? ''
    const match = /^Bearer\s+(\S+)$/i.exec(header)
    const given = Buffer.from(match?.[1] ?? '')
    if (given.length === expected.length && timingSafeEqual(given, expected)) return
    const message = header === ''
      ? 'this endpoint needs "Authorization: Bearer <token>"; the token is in the api-token file of the data dir'
      : 'the bearer token is not valid for this daemon'
    sendError(reply, 401, 'unauthorized', message)
    return reply
  }
}
