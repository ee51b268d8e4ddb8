import createError from '@fastify/error'

// Every error the API answers with is made here. Messages are safe to show a
// client: they never carry a driver message, a token or a stack.

export const AuthTokenMissingError = createError(
  'AUTH_TOKEN_MISSING',
  'A bearer access token is required',
  401
)

export const AuthInvalidRequestError = createError(
  'AUTH_INVALID_REQUEST',
  'The Authorization header is malformed: %s',
  400
)

export const AuthTokenInvalidError = createError(
  'AUTH_TOKEN_INVALID',
  'The access token is invalid: %s',
  401
)

export const AuthTokenExpiredError = createError(
  'AUTH_TOKEN_EXPIRED',
  'The access token has expired',
  401
)

export const AuthKeysUnavailableError = createError(
  'AUTH_KEYS_UNAVAILABLE',
  'The token signing keys cannot be fetched right now; try again shortly',
  503
)

export const RbacPermissionDeniedError = createError(
  'RBAC_PERMISSION_DENIED',
  'This action needs %s',
  403
)

/**
 * A 403 that names what is missing, in words and as the RFC 6750 scope.
 * With `anyOf`, holding one of the listed permissions would have been enough.
 */
export function permissionDenied (missing: string[], anyOf = false) {
  const words = anyOf && missing.length > 1
    ? `one of the permissions: ${missing.join(', ')}`
    : `the permission${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`
  const scope = missing.join(' ')

  return withChallenge(new RbacPermissionDeniedError(words), { error: 'insufficient_scope', scope })
}

export const RbacStepUpRequiredError = createError(
  'RBAC_STEP_UP_REQUIRED',
  'This action needs a login with multi-factor authentication',
  401
)

export const DbUnavailableError = createError(
  'DB_UNAVAILABLE',
  'The database is unavailable; try again shortly',
  503
)

export const DbIdentityError = createError(
  'DB_IDENTITY_REJECTED',
  'The database did not accept the caller identity',
  503
)

export const ResourceNotFoundError = createError(
  'RESOURCE_NOT_FOUND',
  '%s not found',
  404
)

export const InternalServerError = createError(
  'INTERNAL_ERROR',
  'Something went wrong on our side',
  500
)

export const RbacNotTeamManagerError = createError(
  'RBAC_NOT_TEAM_MANAGER',
  'Only a manager of this team or an admin may change its members',
  403
)

export const DocumentVersionConflictError = createError(
  'DOCUMENT_VERSION_CONFLICT',
  'The document is at version %s, which If-Match does not name; fetch it again and retry',
  412
)

export const DocumentVersionRequiredError = createError(
  'DOCUMENT_VERSION_REQUIRED',
  'An update must name the version it changes (If-Match header or version field)',
  428
)

export const DocumentTeamUnknownError = createError(
  'DOCUMENT_TEAM_UNKNOWN',
  'The team does not exist or the caller is not a member of it',
  400
)

export const DbConflictError = createError(
  'DB_CONFLICT',
  'The change conflicts with data that already exists',
  409
)

export const DbForbiddenError = createError(
  'DB_FORBIDDEN',
  'The database refused this operation for the caller',
  403
)

export const DbNotFoundError = createError(
  'DB_NOT_FOUND',
  'The record was not found',
  404
)

export const DbInvalidValueError = createError(
  'DB_INVALID_VALUE',
  'A value does not fit the stored schema',
  400
)

export const RateLimitExceededError = createError(
  'RATE_LIMIT_EXCEEDED',
  'Too many requests; retry in %s seconds',
  429
)

export const ServerOverloadedError = createError(
  'SERVER_OVERLOADED',
  'The server is overloaded; try again shortly',
  503
)

export const AuthTokenInQueryError = createError(
  'AUTH_TOKEN_IN_QUERY',
  'Access tokens are accepted only in the Authorization header',
  400
)

export const MgmtNotConfiguredError = createError(
  'MGMT_NOT_CONFIGURED',
  'Managing users through Auth0 is not configured on this server',
  501
)

export const MgmtRateLimitedError = createError(
  'MGMT_RATE_LIMITED',
  'Auth0 is rate limiting this server; try again after the Retry-After delay',
  503
)

export const MgmtUpstreamError = createError(
  'MGMT_UPSTREAM_ERROR',
  'Auth0 could not complete the request; try again shortly',
  502
)

export const MgmtUpstreamTimeoutError = createError(
  'MGMT_UPSTREAM_TIMEOUT',
  'Auth0 did not answer in time; try again shortly',
  504
)

export const MgmtUnknownRoleError = createError(
  'MGMT_UNKNOWN_ROLE',
  'No role named %s exists in Auth0',
  400
)

export const MgmtUserNotFoundError = createError(
  'MGMT_USER_NOT_FOUND',
  'No such user in Auth0',
  404
)

// Same code as a schema validation failure: to a client, an unexpected
// query parameter is the same mistake on every route.
export const RequestQueryUnexpectedError = createError(
  'REQUEST_INVALID',
  'querystring must NOT have additional properties',
  400
)

/** Seconds a client should wait before retrying a 503. */
export const RETRY_AFTER_SEC = 5

export type BearerErrorCode =
  'invalid_request' |
  'invalid_token' |
  'insufficient_scope' |
  'insufficient_user_authentication'

export interface BearerChallenge {
  error?: BearerErrorCode
  description?: string
  scope?: string
  acrValues?: string
}

/** An error that asks the client to authenticate differently (RFC 6750 §3). */
export function withChallenge<E extends Error> (error: E, challenge: BearerChallenge): E {
  return Object.assign(error, { challenge })
}

export function findChallenge (error: unknown): BearerChallenge | undefined {
  return (error as { challenge?: BearerChallenge }).challenge
}

// RFC 6750 §3: auth-param values are quoted strings; a quote or backslash in
// a value would end it early, so they are dropped rather than escaped.
function quote (value: string): string {
  return `"${value.replace(/["\\]/g, '')}"`
}

export function formatChallenge (realm: string, challenge: BearerChallenge): string {
  const params = [`realm=${quote(realm)}`]

  if (challenge.error) params.push(`error=${quote(challenge.error)}`)
  if (challenge.description) params.push(`error_description=${quote(challenge.description)}`)
  if (challenge.scope) params.push(`scope=${quote(challenge.scope)}`)
  if (challenge.acrValues) params.push(`acr_values=${quote(challenge.acrValues)}`)

  return `Bearer ${params.join(', ')}`
}
