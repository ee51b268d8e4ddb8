import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { RETRY_AFTER_SEC } from '../errors.js'
import type { ErrorBody } from '../schemas/common.js'

// 5xx answers about Auth0 whose messages we wrote: they pass the error
// handler unchanged instead of becoming a generic 500.
const MANAGEMENT_SERVER_ERRORS = new Set([
  'MGMT_NOT_CONFIGURED',
  'MGMT_RATE_LIMITED',
  'MGMT_UPSTREAM_ERROR',
  'MGMT_UPSTREAM_TIMEOUT'
])

export interface RetryAfter {
  retryAfterSec?: number
}

export function isManagementError (error: FastifyError): boolean {
  return MANAGEMENT_SERVER_ERRORS.has(error.code)
}

/** Attaches how long a client should wait, taken from Auth0's reset time. */
export function withRetryAfter<E extends Error> (error: E, retryAfterSec: number): E & RetryAfter {
  return Object.assign(error, { retryAfterSec })
}

export function answerManagementError (
  error: FastifyError & RetryAfter,
  request: FastifyRequest,
  reply: FastifyReply
): ErrorBody {
  const statusCode = error.statusCode ?? 502

  if (statusCode === 501) {
    request.log.info({ code: error.code }, 'management api not configured')
  } else {
    request.log.error({ err: error.cause ?? error, code: error.code }, 'auth0 management call failed')
    reply.header('retry-after', error.retryAfterSec ?? RETRY_AFTER_SEC)
  }

  reply.code(statusCode)
  return {
    statusCode,
    code: error.code,
    error: STATUS_CODES[statusCode] ?? 'Error',
    message: error.message
  }
}
