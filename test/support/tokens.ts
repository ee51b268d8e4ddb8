import type { TestIssuer } from './issuer.js'
import { TEST_NAMESPACE } from './issuer.js'

export interface RoleTokenOptions {
  sub: string
  /** Namespaced roles claim; left out when undefined. */
  roles?: string[] | string
  /** Auth0 RBAC permissions claim; left out when undefined. */
  permissions?: unknown
  scope?: unknown
  mfa?: boolean
  claims?: Record<string, unknown>
}

/**
 * Signs an Auth0-shaped access token for one caller. Unlike the issuer's
 * defaults, permissions and scope are absent unless asked for, so a role
 * token carries only what its roles grant.
 */
export async function signFor (issuer: TestIssuer, options: RoleTokenOptions): Promise<string> {
  const claims: Record<string, unknown> = { sub: options.sub, scope: options.scope ?? 'openid profile' }
  const omit = ['permissions']

  if (options.permissions !== undefined) {
    claims.permissions = options.permissions
    omit.pop()
  }
  if (options.roles !== undefined) claims[`${TEST_NAMESPACE}roles`] = options.roles
  if (options.mfa === true) claims.amr = ['pwd', 'mfa']

  return await issuer.sign({ claims: { ...claims, ...options.claims }, omit })
}

/** A token carrying only the namespaced roles claim (and MFA when asked). */
export function roleToken (issuer: TestIssuer, sub: string, roles: string[], mfa = false): Promise<string> {
  return signFor(issuer, { sub, roles, mfa })
}

export interface Caller {
  token: string
  sub: string
}

export interface Call {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
  url: string
  payload?: unknown
  headers?: Record<string, string>
}

interface Injectable {
  inject (options: Record<string, unknown>): PromiseLike<{
    statusCode: number
    headers: Record<string, unknown>
    body: string
    json (): any
  }>
}

/** app.inject with the caller's bearer token. */
export async function callAs (app: Injectable, token: string, call: Call) {
  return await app.inject({
    method: call.method ?? 'GET',
    url: call.url,
    payload: call.payload as never,
    headers: { authorization: `Bearer ${token}`, ...call.headers }
  })
}
