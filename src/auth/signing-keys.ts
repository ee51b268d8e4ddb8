import buildGetJwks from 'get-jwks'
import type { FastifyBaseLogger } from 'fastify'
import {
  AuthKeysUnavailableError,
  AuthTokenInvalidError,
  withChallenge
} from '../errors.js'

export const JWKS_TIMEOUT_MS = 3_000
// An unknown kid may be a freshly rotated key, so it earns one refetch; after
// that, further unknown kids are refused without a fetch for this long, so a
// flood of random kids cannot be turned into a flood of requests to the issuer.
export const UNKNOWN_KID_COOLDOWN_MS = 30_000
// After a failed fetch (timeout, 5xx, bad JSON) keys are asked for again at
// most this often; failures are never remembered longer than that.
export const FETCH_FAILURE_BACKOFF_MS = 1_000
// A cached key is checked against the key set again after this long; if the
// issuer cannot be reached then, the cached key keeps working.
export const KEY_REFRESH_AFTER_MS = 10 * 60_000
export const MAX_CACHED_KEYS = 32

export interface SigningKeyOptions {
  jwksUri: string
  timeoutMs?: number
  unknownKidCooldownMs?: number
  failureBackoffMs?: number
  refreshAfterMs?: number
  log: FastifyBaseLogger
}

export interface TokenHeader {
  kid?: unknown
  alg?: unknown
}

interface CachedKey {
  pem: string
  checkedAt: number
}

export interface SigningKeyResolver {
  getKey (header: TokenHeader): Promise<string>
  /** True once at least one key has been fetched successfully. */
  hasKeys (): boolean
  probe (): Promise<boolean>
}

class KeyNotInSetError extends Error {}

function invalidToken (description: string): never {
  throw withChallenge(new AuthTokenInvalidError(description), {
    error: 'invalid_token',
    description
  })
}

function keysUnavailable (): never {
  throw new AuthKeysUnavailableError()
}

/**
 * Resolves a token's `kid` to a PEM public key from the configured JWKS. The
 * location comes only from configuration; nothing in the token (iss, jku,
 * x5u, jwk) can point it anywhere else.
 */
export function createSigningKeyResolver (options: SigningKeyOptions): SigningKeyResolver {
  const timeoutMs = options.timeoutMs ?? JWKS_TIMEOUT_MS
  const cooldownMs = options.unknownKidCooldownMs ?? UNKNOWN_KID_COOLDOWN_MS
  const backoffMs = options.failureBackoffMs ?? FETCH_FAILURE_BACKOFF_MS
  const refreshAfterMs = options.refreshAfterMs ?? KEY_REFRESH_AFTER_MS
  const jwksUrl = new URL(options.jwksUri)
  const jwksOrigin = `${jwksUrl.origin}/`
  const jwksPath = jwksUrl.pathname + jwksUrl.search
  const keys = new Map<string, CachedKey>()
  const pending = new Map<string, Promise<string>>()
  let lastUnknownKidFetchAt = -Infinity
  let lastFailureAt = -Infinity

  // get-jwks reads its fetch options once, and an AbortSignal fires only
  // once, so each fetch gets a client of its own with a fresh deadline.
  async function fetchPem (kid: string, alg: string): Promise<string> {
    const client = buildGetJwks({
      jwksPath,
      fetchOptions: { signal: AbortSignal.timeout(timeoutMs) } as never
    })

    try {
      return await client.getPublicKey({ domain: jwksOrigin, kid, alg })
    } catch (err) {
      if ((err as { code?: string }).code === 'JWK_NOT_FOUND') throw new KeyNotInSetError()
      lastFailureAt = Date.now()
      options.log.warn({ err: { message: (err as Error).message }, kid }, 'jwks fetch failed')
      throw err
    }
  }

  function remember (kid: string, pem: string): void {
    keys.delete(kid)
    keys.set(kid, { pem, checkedAt: Date.now() })
    if (keys.size > MAX_CACHED_KEYS) keys.delete(keys.keys().next().value as string)
  }

  async function refresh (kid: string, alg: string, cached: CachedKey | undefined): Promise<string> {
    try {
      const pem = await fetchPem(kid, alg)
      remember(kid, pem)
      return pem
    } catch (err) {
      if (err instanceof KeyNotInSetError) {
        keys.delete(kid)
        invalidToken('the signing key is not known')
      }
      if (cached) {
        options.log.warn({ kid }, 'using cached signing key after a failed jwks refresh')
        return cached.pem
      }
      keysUnavailable()
    }
  }

  function singleFlight (kid: string, alg: string, cached: CachedKey | undefined): Promise<string> {
    const inFlight = pending.get(kid)
    if (inFlight) return inFlight

    const request = refresh(kid, alg, cached).finally(() => pending.delete(kid))
    pending.set(kid, request)
    return request
  }

  // Limitation: get-jwks hands back one key per fetch, so only keys that
  // tokens have asked for are cached; a legitimately rotated key that shows
  // up within the cooldown after a random kid is refused until it ends.
  function assertUnknownKidMayFetch (now: number): void {
    const waitMs = keys.size > 0 ? cooldownMs : backoffMs
    const fetchBusy = pending.size > 0 || now - lastUnknownKidFetchAt < waitMs

    if (!fetchBusy) return
    if (keys.size > 0) invalidToken('the signing key is not known')
    keysUnavailable()
  }

  async function getKey (header: TokenHeader): Promise<string> {
    const { kid, alg } = header
    if (typeof kid !== 'string' || kid === '') invalidToken('the token header has no kid')
    if (typeof alg !== 'string') invalidToken('the token header has no alg')

    const now = Date.now()
    const cached = keys.get(kid)
    if (cached && now - cached.checkedAt < refreshAfterMs) return cached.pem
    if (cached && now - lastFailureAt < backoffMs) return cached.pem
    if (cached) return singleFlight(kid, alg, cached)

    const inFlight = pending.get(kid)
    if (inFlight) return inFlight
    if (now - lastFailureAt < backoffMs) keysUnavailable()
    assertUnknownKidMayFetch(now)

    lastUnknownKidFetchAt = now
    return singleFlight(kid, alg, undefined)
  }

  /** Fetches the key set once to learn whether the issuer is reachable. */
  async function probe (): Promise<boolean> {
    try {
      await fetchPem('', 'RS256')
      return true
    } catch (err) {
      return err instanceof KeyNotInSetError
    }
  }

  return {
    getKey,
    probe,
    hasKeys: () => keys.size > 0
  }
}
