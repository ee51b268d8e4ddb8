import { createPublicKey, type JsonWebKey } from 'node:crypto'
import buildGetJwks from 'get-jwks'
import type { FastifyBaseLogger } from 'fastify'
import {
  AuthKeysUnavailableError,
  AuthTokenInvalidError,
  withChallenge
} from '../errors.js'

export const JWKS_TIMEOUT_MS = 3_000
// get-jwks hands back one key per fetch, so a kid never seen before costs a
// fetch. A fetch that does not find its kid starts this cooldown; until it
// ends, kids never seen are refused without a fetch, so a flood of random
// kids cannot become a flood of requests to the issuer.
export const UNKNOWN_KID_COOLDOWN_MS = 30_000
// After a failed fetch (timeout, 5xx, bad JSON) keys are asked for again at
// most this often; a failure is never remembered longer than that.
export const FETCH_FAILURE_BACKOFF_MS = 1_000
// A cached key older than this is looked up again in the background on next
// use, while it goes on verifying tokens.
export const KEY_REFRESH_AFTER_MS = 10 * 60_000
// While the issuer cannot be reached, a cached key keeps working this long
// after it was last fetched; after that its tokens get a 503.
export const KEY_MAX_STALE_MS = 24 * 60 * 60_000
// Auth0 publishes two or three keys; beyond this the oldest is forgotten.
export const MAX_CACHED_KEYS = 32

export interface SigningKeyTimings {
  timeoutMs: number
  unknownKidCooldownMs: number
  failureBackoffMs: number
  refreshAfterMs: number
  maxStaleMs: number
}

export interface SigningKeyOptions extends Partial<SigningKeyTimings> {
  jwksUri: string
  log: FastifyBaseLogger
  /** Wall-clock time in ms for the cache; tests move it by hand. */
  now?: () => number
}

export interface TokenHeader {
  kid?: unknown
  alg?: unknown
}

export interface PublicKey {
  pem: string
  alg?: string
}

interface CachedKey extends PublicKey {
  fetchedAt: number
}

interface JwksLocation {
  domain: string
  jwksPath: string
}

export interface SigningKeyResolver {
  /** The PEM public key for a token header; throws 401 or 503 errors. */
  getKey (header: TokenHeader): Promise<string>
  /** True while a key fetched within the stale window is cached. */
  hasKeys (): boolean
  /** Asks the issuer for a key (unless a fetch just failed) to learn whether it answers. */
  probe (): Promise<boolean>
}

class KeyNotInSetError extends Error {}

function invalidToken (description: string): never {
  throw withChallenge(new AuthTokenInvalidError(description), {
    error: 'invalid_token',
    description
  })
}

function keysUnavailable (cause?: unknown): never {
  throw Object.assign(new AuthKeysUnavailableError(), { cause })
}

// A JWK that cannot verify signatures (an HMAC secret, an encryption key or
// junk) is skipped, so it can never be offered to the verifier.
export function toPublicKey (jwk: unknown): PublicKey | undefined {
  if (typeof jwk !== 'object' || jwk === null) return undefined
  const { kty, use, alg } = jwk as Record<string, unknown>
  if (kty === 'oct' || (use !== undefined && use !== 'sig')) return undefined

  try {
    const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' })
    const pem = key.export({ type: 'spki', format: 'pem' }) as string
    return { pem, alg: typeof alg === 'string' ? alg : undefined }
  } catch {
    return undefined
  }
}

// get-jwks requests `domain + jwksPath`; splitting the configured URL this
// way makes it request exactly that URL, with no double slash.
function splitJwksUri (jwksUri: string): JwksLocation {
  const url = new URL(jwksUri)
  return { domain: `${url.origin}/`, jwksPath: url.pathname + url.search }
}

// get-jwks reads its fetch options once, when it is built, and an
// AbortSignal fires only once, so each fetch gets a client of its own with a
// fresh deadline. The deadline covers the body too, so an endpoint that
// accepts the connection and then says nothing cannot hold a request.
async function fetchJwk (location: JwksLocation, kid: string, timeoutMs: number): Promise<unknown> {
  const client = buildGetJwks({
    jwksPath: location.jwksPath,
    fetchOptions: {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs)
    } as never
  })

  try {
    // The kid alone picks the key; its alg is checked by pickKey, so a token
    // with a wrong alg cannot make a published key look missing.
    return await client.getJwk({ domain: location.domain, kid, alg: undefined as never })
  } catch (err) {
    if ((err as { code?: unknown }).code === 'JWK_NOT_FOUND') throw new KeyNotInSetError()
    throw err
  }
}

function readHeader (header: TokenHeader): { kid: string, alg: string } {
  const { kid, alg } = header
  if (typeof kid !== 'string' || kid === '') invalidToken('the token header has no kid')
  if (typeof alg !== 'string') invalidToken('the token header has no alg')
  return { kid, alg }
}

function pickKey (key: PublicKey, alg: string): string {
  if (key.alg !== undefined && key.alg !== alg) invalidToken('the signing key is not for this algorithm')
  return key.pem
}

function resolveTimings (options: Partial<SigningKeyTimings>): SigningKeyTimings {
  return {
    timeoutMs: options.timeoutMs ?? JWKS_TIMEOUT_MS,
    unknownKidCooldownMs: options.unknownKidCooldownMs ?? UNKNOWN_KID_COOLDOWN_MS,
    failureBackoffMs: options.failureBackoffMs ?? FETCH_FAILURE_BACKOFF_MS,
    refreshAfterMs: options.refreshAfterMs ?? KEY_REFRESH_AFTER_MS,
    maxStaleMs: options.maxStaleMs ?? KEY_MAX_STALE_MS
  }
}

/**
 * Resolves a token's `kid` to a public key from the configured JWKS through
 * get-jwks. The location comes only from configuration; nothing in the token
 * (iss, jku, x5u, jwk, x5c) can point it anywhere else. Keys are cached per
 * kid as PEM, converted once.
 */
export function createSigningKeyResolver (options: SigningKeyOptions): SigningKeyResolver {
  const timings = resolveTimings(options)
  const now = options.now ?? Date.now
  const { log, jwksUri } = options
  const location = splitJwksUri(jwksUri)
  const keys = new Map<string, CachedKey>()
  let inFlight: Promise<void> | undefined
  let lastFailureAt = -Infinity
  let lastMissAt = -Infinity

  function remember (kid: string, key: PublicKey): CachedKey {
    const cached = { ...key, fetchedAt: now() }
    keys.delete(kid)
    keys.set(kid, cached)
    if (keys.size > MAX_CACHED_KEYS) keys.delete(keys.keys().next().value as string)
    return cached
  }

  function forget (kid: string): undefined {
    keys.delete(kid)
    return undefined
  }

  async function load (kid: string): Promise<CachedKey | undefined> {
    try {
      const key = toPublicKey(await fetchJwk(location, kid, timings.timeoutMs))
      return key ? remember(kid, key) : forget(kid)
    } catch (err) {
      if (err instanceof KeyNotInSetError) return forget(kid)
      lastFailureAt = now()
      log.warn({ err: { message: (err as Error).message }, jwksUri, kid }, 'jwks fetch failed')
      throw err
    }
  }

  // One fetch at a time: whoever arrives meanwhile waits for it and then
  // looks at the cache again, so concurrent requests for a kid share it.
  // Callers wait inline: an extra await between the check and the fetch
  // would let every waiter start a fetch of its own.
  function fetchExclusive (kid: string): Promise<CachedKey | undefined> {
    const fetching = load(kid)
    inFlight = fetching.then(() => {}, () => {}).then(() => { inFlight = undefined })
    return fetching
  }

  function isBackingOff (at: number): boolean {
    return at - lastFailureAt < timings.failureBackoffMs
  }

  function findUsable (kid: string, at: number): CachedKey | undefined {
    const key = keys.get(kid)
    return key && at - key.fetchedAt < timings.maxStaleMs ? key : undefined
  }

  function hasKeys (): boolean {
    const at = now()
    for (const key of keys.values()) if (at - key.fetchedAt < timings.maxStaleMs) return true
    return false
  }

  // With usable keys in hand, a kid that cannot be looked up is far more
  // likely forged than new, so it is refused as unknown (401); without any
  // key nothing can be verified, and the client should retry (503).
  function unreachable (cause?: unknown): never {
    if (hasKeys()) invalidToken('the signing key is not known')
    keysUnavailable(cause)
  }

  // On a cold cache a miss holds off other kids only for the failure
  // backoff, so a stray kid at start-up cannot lock out the real ones.
  //
  // Limitation: get-jwks returns one key per fetch, so the set is learned
  // kid by kid. A key first used within the cooldown after a miss (say right
  // after a rotation, while random kids arrive) is refused until it ends, and
  // a steady stream of random kids can keep delaying it.
  function assertMayFetch (kid: string, at: number): void {
    const cooldownMs = hasKeys() ? timings.unknownKidCooldownMs : timings.failureBackoffMs
    if (!keys.has(kid) && at - lastMissAt < cooldownMs) invalidToken('the signing key is not known')
    if (isBackingOff(at)) unreachable()
  }

  async function fetchOrUnreachable (kid: string): Promise<CachedKey | undefined> {
    try {
      return await fetchExclusive(kid)
    } catch (err) {
      unreachable(err)
    }
  }

  async function lookUp (kid: string): Promise<CachedKey> {
    for (let current = inFlight; current; current = inFlight) await current
    const at = now()
    const cached = findUsable(kid, at)
    if (cached) return cached

    assertMayFetch(kid, at)
    const found = await fetchOrUnreachable(kid)
    if (found) return found

    lastMissAt = now()
    invalidToken('the signing key is not known')
  }

  function refreshInBackground (kid: string): void {
    if (inFlight || isBackingOff(now())) return
    log.debug({ jwksUri, kid }, 'refreshing a signing key in the background')
    fetchExclusive(kid).then((found) => {
      if (!found) log.info({ kid }, 'signing key no longer in the jwks')
    }, () => {
      log.warn({ kid }, 'using a cached signing key after a failed jwks refresh')
    })
  }

  async function getKey (header: TokenHeader): Promise<string> {
    const { kid, alg } = readHeader(header)
    const at = now()
    const cached = findUsable(kid, at)
    if (!cached) return pickKey(await lookUp(kid), alg)

    const pem = pickKey(cached, alg)
    if (at - cached.fetchedAt >= timings.refreshAfterMs) refreshInBackground(kid)
    return pem
  }

  // Any kid will do: a miss still proves the issuer answers. A cached kid is
  // preferred, so the probe also refreshes it.
  async function probe (): Promise<boolean> {
    for (let current = inFlight; current; current = inFlight) await current
    if (isBackingOff(now())) return false
    try {
      await fetchExclusive(keys.keys().next().value ?? '')
      return true
    } catch {
      return false
    }
  }

  return { getKey, probe, hasKeys }
}
