import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ConnectionUnavailableError, ReconnectExhaustionError, CallTerminatedError } from 'surrealdb'
import {
  DbUnavailableError,
  findChallenge,
  formatChallenge,
  InternalServerError,
  RETRY_AFTER_SEC
} from './errors.js'
import type { ErrorBody } from './schemas/common.js'

// 5xx errors whose message we wrote ourselves and which are safe to show.
const EXPOSED_SERVER_ERRORS = new Set(['AUTH_KEYS_UNAVAILABLE', 'DB_UNAVAILABLE', 'DB_IDENTITY_REJECTED'])

function bodyOf (statusCode: number, code: string, message: string): ErrorBody {
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message }
}

function isDatabaseOutage (error: unknown): boolean {
  return error instanceof ConnectionUnavailableError ||
    error instanceof ReconnectExhaustionError ||
    error instanceof CallTerminatedError
}

function toClientError (error: FastifyError): FastifyError {
  if (isDatabaseOutage(error)) return Object.assign(new DbUnavailableError(), { cause: error })
  return error
}

/**
 * Answers every error in the one shared shape. Validation errors and our own
 * 4xx pass through; anything unexpected is logged with the request id and
 * answered with a generic 500, so no driver message or stack reaches a client.
 */
export function buildErrorHandler (realm: string) {
  return function handleError (raw: FastifyError, request: FastifyRequest, reply: FastifyReply): ErrorBody {
    const error = toClientError(raw)
    const challenge = findChallenge(error)
    const statusCode = error.validation ? 400 : error.statusCode ?? 500

    if (challenge) reply.header('www-authenticate', formatChallenge(realm, challenge))
    if (error.validation) {
      reply.code(400)
      return bodyOf(400, 'REQUEST_INVALID', error.message)
    }
    if (statusCode < 500 && error.code) {
      reply.code(statusCode)
      return bodyOf(statusCode, error.code, error.message)
    }
    if (EXPOSED_SERVER_ERRORS.has(error.code)) {
      request.log.error({ err: error.cause ?? error }, 'dependency unavailable')
      reply.code(statusCode).header('retry-after', RETRY_AFTER_SEC)
      return bodyOf(statusCode, error.code, error.message)
    }

    request.log.error({ err: raw }, 'unhandled error')
    const internal = new InternalServerError()
    reply.code(500)
    return bodyOf(500, internal.code, internal.message)
  }
}

export function handleNotFound (request: FastifyRequest, reply: FastifyReply): void {
  reply.code(404).send(bodyOf(404, 'ROUTE_NOT_FOUND', `Route ${request.method} ${request.url.split('?')[0]} not found`))
}
