import { STATUS_CODES } from 'node:http'
import type { AccessRule } from '../auth/guards.js'

export const BEARER_SCHEME = 'bearerAuth'
export const OAUTH2_SCHEME = 'auth0'
export const PROTECTED_PREFIX = '/v1'

export type SecurityRequirement = Record<string, string[]>

/** The parts of a route's schema this module reads and fills in. */
export interface RouteSchema {
  hide?: boolean
  body?: unknown
  querystring?: unknown
  params?: unknown
  security?: SecurityRequirement[]
  response?: Record<string, unknown>
  [key: string]: unknown
}

export interface RouteFacts {
  url: string
  access?: AccessRule
  /** Whether a rate limit answers 429 on this route. */
  rateLimited?: boolean
}

export function isProtectedUrl (url: string): boolean {
  return url === PROTECTED_PREFIX || url.startsWith(`${PROTECTED_PREFIX}/`)
}

/**
 * The OpenAPI security of a route, derived from the same facts the guards
 * use: everything under /v1 needs a bearer token (routes/v1/autohooks.ts),
 * and `config.access` names the permissions plugins/rbac.ts checks. OpenAPI
 * ORs the requirement objects and ANDs the scopes inside one, so 'any' gives
 * one requirement per permission. OpenAPI 3.1 lets a bearer scheme list role
 * names too, so the bearer requirement carries the same permissions.
 */
export function buildSecurity (facts: RouteFacts): SecurityRequirement[] {
  if (!isProtectedUrl(facts.url)) return []

  const permissions = facts.access?.permissions ?? []
  const alternatives = facts.access?.mode === 'any' && permissions.length > 1
    ? permissions.map((permission) => [permission])
    : [permissions]

  return alternatives.flatMap((needed): SecurityRequirement[] => [
    { [BEARER_SCHEME]: [...needed] },
    { [OAUTH2_SCHEME]: [...needed] }
  ])
}

const SHARED_ERROR_DESCRIPTIONS: Record<string, string> = {
  400: 'The request or its Authorization header is malformed',
  401: 'No valid access token, or a multi-factor login is required (see WWW-Authenticate)',
  403: 'The token lacks a permission this operation needs (insufficient_scope)',
  429: 'Too many requests; retry after the Retry-After delay',
  500: 'Something went wrong on our side',
  503: 'The database or the token signing keys are unavailable; retry after the Retry-After delay'
}

// Statuses the shared machinery answers with, whatever the handler does;
// a route declares its own (404, 409, 412…) and keeps any it already has.
export function findSharedErrorStatuses (schema: RouteSchema, facts: RouteFacts): string[] {
  const statuses: string[] = []
  const protectedRoute = isProtectedUrl(facts.url)
  const takesInput = schema.body !== undefined ||
    schema.querystring !== undefined ||
    schema.params !== undefined

  if (takesInput || protectedRoute) statuses.push('400')
  if (protectedRoute) statuses.push('401')
  if (facts.access) statuses.push('403')
  if (facts.rateLimited) statuses.push('429')
  statuses.push('500')
  if (protectedRoute) statuses.push('503')

  return statuses
}

// A route's own `404: ErrorRef` would otherwise be described by the Error
// schema's description; the status text says more.
function describeBareErrorRef (status: string, declared: unknown): unknown {
  const isBareRef = typeof declared === 'object' && declared !== null &&
    Object.keys(declared).length === 1 && '$ref' in declared
  if (!isBareRef || Number(status) < 400) return declared
  return { ...declared, description: SHARED_ERROR_DESCRIPTIONS[status] ?? STATUS_CODES[status] }
}

/**
 * Fills in what every route must declare but should not repeat by hand:
 * its security requirement and the shared error responses, all pointing at
 * the one Error schema. Security is always derived, never taken from the
 * route, so the document cannot promise less or more than the guards check.
 * Hidden routes are left alone.
 */
export function documentRoute (schema: RouteSchema, facts: RouteFacts, errorRef: object): RouteSchema {
  if (schema.hide) return schema

  const response: Record<string, unknown> = {}
  for (const [status, declared] of Object.entries(schema.response ?? {})) {
    response[status] = describeBareErrorRef(status, declared)
  }
  for (const status of findSharedErrorStatuses(schema, facts)) {
    response[status] ??= { ...errorRef, description: SHARED_ERROR_DESCRIPTIONS[status] }
  }

  return {
    ...schema,
    security: buildSecurity(facts),
    response
  }
}
