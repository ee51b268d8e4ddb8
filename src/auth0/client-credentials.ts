import type { ManagementSettings } from './settings.js'
import type { IssuedToken } from './token-cache.js'
import { readRateLimit, type RateLimitSnapshot } from './rate-limit.js'
import {
  CredentialsRejectedError,
  isAbortTimeout,
  UpstreamFailureError,
  UpstreamRateLimitedError,
  UpstreamTimeoutError
} from './upstream.js'

export interface TokenRequestContext {
  settings: ManagementSettings
  fetch: typeof fetch
  onRateLimit: (snapshot: RateLimitSnapshot) => void
}

interface TokenResponse {
  access_token?: unknown
  expires_in?: unknown
  error?: unknown
}

async function readJson (response: Response): Promise<TokenResponse> {
  try {
    return await response.json() as TokenResponse
  } catch {
    return {}
  }
}

async function post (context: TokenRequestContext): Promise<Response> {
  const { settings } = context
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: settings.clientId,
    client_secret: settings.clientSecret,
    audience: settings.audience
  })

  try {
    return await context.fetch(`${settings.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
      signal: AbortSignal.timeout(settings.timeoutMs)
    })
  } catch (err) {
    if (isAbortTimeout(err)) throw new UpstreamTimeoutError()
    throw new UpstreamFailureError(undefined, 'auth0 token endpoint unreachable')
  }
}

/** RFC 6749 §4.4 client credentials grant against the tenant's /oauth/token. */
export async function requestManagementToken (context: TokenRequestContext): Promise<IssuedToken> {
  const response = await post(context)
  const snapshot = readRateLimit(response.headers)
  context.onRateLimit(snapshot)

  const body = await readJson(response)
  if (response.status === 429) throw new UpstreamRateLimitedError(snapshot.resetAtMs)
  if (response.status === 401 || response.status === 403) {
    throw new CredentialsRejectedError(response.status, typeof body.error === 'string' ? body.error : undefined)
  }
  if (!response.ok) throw new UpstreamFailureError(response.status, 'auth0 token request failed')
  if (typeof body.access_token !== 'string' || typeof body.expires_in !== 'number') {
    throw new UpstreamFailureError(response.status, 'auth0 token response malformed')
  }

  return { accessToken: body.access_token, expiresAtMs: Date.now() + body.expires_in * 1000 }
}
