export interface IssuedToken {
  accessToken: string
  expiresAtMs: number
}

export interface TokenCache {
  /** A token valid for a while yet; at most one request to Auth0 at a time. */
  get (): Promise<string>
  /** Forgets the token, e.g. after Auth0 refused it. */
  clear (): void
}

// A token is renewed this long before it expires, or at half its lifetime
// when it lives shorter than twice this, so no call leaves with a token that
// expires on the way.
export const TOKEN_REFRESH_AHEAD_MS = 60_000

function refreshAt (token: IssuedToken, issuedAtMs: number): number {
  const lifetimeMs = token.expiresAtMs - issuedAtMs
  return token.expiresAtMs - Math.min(TOKEN_REFRESH_AHEAD_MS, lifetimeMs / 2)
}

/**
 * Caches the machine-to-machine token until shortly before it expires.
 * Concurrent callers share one in-flight request, and a failed request is
 * not remembered: the next caller asks again.
 */
export function createTokenCache (
  requestToken: () => Promise<IssuedToken>,
  now: () => number = Date.now
): TokenCache {
  let current: { token: IssuedToken, renewAtMs: number } | undefined
  let pending: Promise<string> | undefined

  async function renew (): Promise<string> {
    const issuedAtMs = now()
    const token = await requestToken()
    current = { token, renewAtMs: refreshAt(token, issuedAtMs) }
    return token.accessToken
  }

  function get (): Promise<string> {
    if (current && now() < current.renewAtMs) return Promise.resolve(current.token.accessToken)
    pending ??= renew().finally(() => { pending = undefined })
    return pending
  }

  return { get, clear: () => { current = undefined } }
}
