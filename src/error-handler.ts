import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import {
  AlreadyExistsError,
  CallTerminatedError,
  ConnectionUnavailableError,
  InternalError,
  InvalidSessionError,
  NotAllowedError,
  NotFoundError,
  QueryError,
  ReconnectExhaustionError,
  ReconnectIterationError,
  ServerError,
  ThrownError,
  UnexpectedConnectionError
} from 'surrealdb'
import {
  DbConflictError,
  DbForbiddenError,
  DbIdentityError,
  DbInvalidValueError,
  DbNotFoundError,
  DbUnavailableError,
  findChallenge,
  formatChallenge,
  InternalServerError,
  RETRY_AFTER_SEC
} from './errors.js'
import type { ErrorBody } from './schemas/common.js'
import { answerManagementError, isManagementError } from './auth0/errors.js'

// 5xx errors whose message we wrote ourselves and which are safe to show.
const EXPOSED_SERVER_ERRORS = new Set([
  'AUTH_KEYS_UNAVAILABLE',
  'DB_UNAVAILABLE',
  'DB_IDENTITY_REJECTED',
  'SERVER_OVERLOADED'
])

// SurrealDB reports schema and index violations as InternalError with no
// details, so the message is the only way to tell them apart (SurrealDB 3.0).
const UNIQUE_VIOLATION = /already contains/
const SCHEMA_VIOLATION = /must conform to|Couldn't coerce|no such field exists|Expected a .* but found/
const IDENTITY_GUARD_MESSAGE = /session identity mismatch/
const SESSION_AUTH_KINDS = new Set(['TokenExpired', 'SessionExpired', 'InvalidAuth'])

export function bodyOf (statusCode: number, code: string, message: string): ErrorBody {
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message }
}

export function isDatabaseOutage (error: unknown): boolean {
  return error instanceof ConnectionUnavailableError ||
    error instanceof ReconnectExhaustionError ||
    error instanceof ReconnectIterationError ||
    error instanceof CallTerminatedError ||
    error instanceof UnexpectedConnectionError ||
    error instanceof InvalidSessionError ||
    (error instanceof ServerError && error.kind === 'Connection')
}

function authKindOf (error: NotAllowedError): string | undefined {
  const details = error.details
  if (details?.kind !== 'Auth') return undefined
  return details.details.kind
}

// Our own per-request record token or session was refused: the caller can do
// nothing about it, so it is an outage of the identity path, not a 403.
function mapNotAllowed (error: NotAllowedError): Error {
  const authKind = authKindOf(error)
  if (authKind !== undefined && SESSION_AUTH_KINDS.has(authKind)) return new DbIdentityError()
  return new DbForbiddenError()
}

function mapNotFound (error: NotFoundError): Error | undefined {
  // A missing table, namespace or function means a migration did not run:
  // that is our bug (500), not the client's 404.
  return error.recordId !== undefined ? new DbNotFoundError() : undefined
}

function mapQueryError (error: QueryError): Error | undefined {
  if (error.isTransactionConflict) return new DbConflictError()
  if (error.isTimedOut || error.isCancelled) return new DbUnavailableError()
  return undefined
}

function mapInternal (error: InternalError): Error | undefined {
  if (UNIQUE_VIOLATION.test(error.message)) return new DbConflictError()
  if (SCHEMA_VIOLATION.test(error.message)) return new DbInvalidValueError()
  return undefined
}

/**
 * Turns a SurrealDB or driver error into one of our catalogue errors, keeping
 * the original as `cause` for the log. Returns undefined for errors that are
 * not from the database, and for database errors that can only be our bug
 * (parse errors, unknown tables), which end as a generic 500.
 */
export function mapDatabaseError (error: unknown): Error | undefined {
  const mapped = mapDatabaseErrorKind(error)
  return mapped === undefined ? undefined : Object.assign(mapped, { cause: error })
}

function mapDatabaseErrorKind (error: unknown): Error | undefined {
  if (isDatabaseOutage(error)) return new DbUnavailableError()
  if (error instanceof NotAllowedError) return mapNotAllowed(error)
  if (error instanceof NotFoundError) return mapNotFound(error)
  if (error instanceof AlreadyExistsError) return new DbConflictError()
  if (error instanceof QueryError) return mapQueryError(error)
  if (error instanceof InternalError) return mapInternal(error)
  if (error instanceof ThrownError && IDENTITY_GUARD_MESSAGE.test(error.message)) return new DbIdentityError()
  return undefined
}

function toClientError (error: FastifyError): FastifyError {
  return (mapDatabaseError(error) as FastifyError | undefined) ?? error
}

/**
 * Answers every error in the one shared shape. Validation errors and our own
 * 4xx pass through; database errors are mapped by kind; anything unexpected
 * is logged with the request id and answered with a generic 500, so no
 * driver message or stack reaches a client.
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
    if (statusCode < 500 && typeof error.code === 'string') {
      if (error !== raw) request.log.info({ err: raw, code: error.code }, 'database refused the request')
      reply.code(statusCode)
      return bodyOf(statusCode, error.code, error.message)
    }
    if (isManagementError(error)) return answerManagementError(error, request, reply)
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
  // The path is not echoed back: it is client input and may carry anything.
  reply.code(404).send(bodyOf(404, 'ROUTE_NOT_FOUND', `No route serves ${request.method} at this path`))
}
