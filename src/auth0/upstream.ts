// Internal signals between the Auth0 calls and the retry loop; routes only
// ever see the HTTP errors of src/errors.ts that these are mapped to.

/** Auth0 answered 429; the reset time comes from x-ratelimit-reset. */
export class UpstreamRateLimitedError extends Error {
  override name = 'UpstreamRateLimitedError'
  constructor (readonly resetAtMs: number | undefined) {
    super('auth0 rate limit reached')
  }
}

/** The token endpoint refused the client id or secret. */
export class CredentialsRejectedError extends Error {
  override name = 'CredentialsRejectedError'
  constructor (readonly status: number, readonly oauthError: string | undefined) {
    super(`auth0 refused the management client credentials (${status} ${oauthError ?? 'no error code'})`)
  }
}

/** Auth0 answered something we cannot use: 5xx, unexpected 4xx, junk. */
export class UpstreamFailureError extends Error {
  override name = 'UpstreamFailureError'
  constructor (readonly status: number | undefined, message = 'auth0 call failed') {
    super(`${message}${status === undefined ? '' : ` (${status})`}`)
  }
}

export class UpstreamTimeoutError extends Error {
  override name = 'UpstreamTimeoutError'
  constructor () {
    super('auth0 did not answer in time')
  }
}

export function isAbortTimeout (err: unknown): boolean {
  const name = (err as { name?: string } | undefined)?.name
  return name === 'TimeoutError' || name === 'AbortError'
}
