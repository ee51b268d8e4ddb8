import type { Env } from '../config.js'
import { ConfigError } from '../config.js'

export interface ManagementSettings {
  /** Origin of the tenant, e.g. https://tenant.eu.auth0.com */
  baseUrl: string
  /** The Management API identifier the token is requested for. */
  audience: string
  clientId: string
  clientSecret: string
  timeoutMs: number
}

export interface UserinfoSettings {
  userinfoUrl: string
  intervalMs: number
  timeoutMs: number
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

// The Management API sits on the tenant domain, like the issuer; an explicit
// base URL exists for custom set-ups and the local stand-in.
function findTenantOrigin (env: Env): string | undefined {
  if (env.AUTH0_MANAGEMENT_BASE_URL !== undefined) return assertSafeOrigin(env.AUTH0_MANAGEMENT_BASE_URL)
  const domain = env.AUTH0_MANAGEMENT_DOMAIN ?? env.AUTH0_DOMAIN
  return domain === undefined ? undefined : `https://${domain}`
}

// Client credentials travel to this origin, so plain http is allowed only
// where nobody can listen in.
function assertSafeOrigin (value: string): string {
  const url = new URL(value)

  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new ConfigError('AUTH0_MANAGEMENT_BASE_URL must use https:// (http:// only on loopback)')
  }
  return url.origin
}

/**
 * The Management API settings, or undefined when no machine-to-machine
 * application is configured (the management routes then answer 501).
 */
export function findManagementSettings (env: Env): ManagementSettings | undefined {
  const clientId = env.AUTH0_MANAGEMENT_CLIENT_ID
  const clientSecret = env.AUTH0_MANAGEMENT_CLIENT_SECRET

  if (clientId === undefined && clientSecret === undefined) return undefined
  if (clientId === undefined || clientSecret === undefined) {
    throw new ConfigError('AUTH0_MANAGEMENT_CLIENT_ID and AUTH0_MANAGEMENT_CLIENT_SECRET must be set together')
  }

  const baseUrl = findTenantOrigin(env)
  if (baseUrl === undefined) {
    throw new ConfigError('AUTH0_MANAGEMENT_CLIENT_ID needs AUTH0_DOMAIN, AUTH0_MANAGEMENT_DOMAIN or AUTH0_MANAGEMENT_BASE_URL')
  }

  return {
    baseUrl,
    audience: `${baseUrl}/api/v2/`,
    clientId,
    clientSecret,
    timeoutMs: env.AUTH0_MANAGEMENT_TIMEOUT_MS
  }
}

/** Where /userinfo is asked for missing profile claims, if anywhere. */
export function findUserinfoSettings (env: Env): UserinfoSettings | undefined {
  const origin = findTenantOrigin(env)
  if (origin === undefined || env.AUTH0_USERINFO_INTERVAL_SEC === 0) return undefined

  return {
    userinfoUrl: `${origin}/userinfo`,
    intervalMs: env.AUTH0_USERINFO_INTERVAL_SEC * 1000,
    timeoutMs: env.AUTH0_MANAGEMENT_TIMEOUT_MS
  }
}
