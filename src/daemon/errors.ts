import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { SilmarilError, type ErrorCode } from '../errors.js'
import { logger } from '../log.js'

const log = logger('daemon:api')

export function sendError (reply: FastifyReply, status: number, code: ErrorCode, message: string): void {
  void reply.code(status).send({ error: { code, message } })
}

/** Every error leaves the API as `{"error":{"code","message"}}` with a fitting status. */
export function errorHandler (err: FastifyError | SilmarilError | Error, request: FastifyRequest, reply: FastifyReply): void {
  if (err instanceof SilmarilError) {
    sendError(reply, err.httpStatus, err.code, err.message)
    return
  }
  const fastifyError = err as FastifyError
  if (fastifyError.validation !== undefined) {
    const where = fastifyError.validationContext ?? 'request'
    const first = fastifyError.validation[0]
    const field = first?.instancePath !== undefined && first.instancePath !== '' ? ` ${first.instancePath.slice(1).replace(/\//g, '.')}` : ''
    const extra = first?.keyword === 'additionalProperties'
      ? ` "${String((first.params as { additionalProperty?: string }).additionalProperty)}" is not a known field`
      : ` ${first?.message ?? 'is invalid'}`
    sendError(reply, 400, 'bad_request', `invalid ${where}:${field}${extra}`)
    return
  }
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (fastifyError.statusCode === 400 && err instanceof SyntaxError)) {
    sendError(reply, 400, 'bad_request', `the request body is not valid JSON: ${err.message}`)
    return
  }
  const status = fastifyError.statusCode
  if (status !== undefined && status >= 400 && status < 500) {
    sendError(reply, status, 'bad_request', err.message)
    return
  }
  log('internal error on %s %s: %O', request.method, request.url, err)
  sendError(reply, 500, 'internal', `internal error: ${err.message}`)
}
