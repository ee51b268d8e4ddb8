import { createPublicKey, type JsonWebKey } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import {
  AuthKeysUnavailableError,
  AuthTokenInvalidError,
  withChallenge
} from '../errors.js'

export const JWKS_TIMEOUT_MS = 3_000
// An unknown kid may be a freshly rotated key, so it may cause a refetch of
// the key set; but the set is fetched for that reason at most once per
// cooldown, so a flood of random kids cannot become a flood of requests to
// the issuer. Other kids in that window are refused without a fetch.
export const UNKNOWN_KID_COOLDOWN_MS = 30_000
// After a failed fetch (timeout, 5xx, bad JSON) the key set is asked for
// again at most this often; a failure is never remembered longer than that.
export const FETCH_FAILURE_BACKOFF_MS = 1_000
// A key set older than this is refetched in the background on next use,
// while the cached keys go on verifying tokens.
export const KEY_REFRESH_AFTER_MS = 10 * 60_000
// While the issuer cannot be reached, cached keys keep working this long
// after the last successful fetch; after that tokens get a 503.
export const KEY_MAX_STALE_MS = 24 * 60 * 60_000
// Auth0 publishes two or three keys; anything beyond this is ignored.
export const MAX_KEYS_PER_SET = 32

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

interface KeySet {
  keys: Map<string, PublicKey>
  fetchedAt: number
}

export interface SigningKeyResolver {
  /** The PEM public key for a token header; throws 401 or 503 errors. */
  getKey (header: TokenHeader): Promise<string>
  /** True while a key set fetched within the stale window is cached. */
  hasKeys (): boolean
  /** Fetches the key set (unless a fetch just failed) to learn whether the issuer answers. */
  probe (): Promise<boolean>
}

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

/** Reads a JWKS document into usable keys by kid; throws when it is not one. */
export function parseKeySet (body: unknown): Map<string, PublicKey> {
  const list = (body as { keys?: unknown } | null)?.keys
  if (!Array.isArray(list)) throw new Error('the key set has no keys array')

  const keys = new Map<string, PublicKey>()
  for (const jwk of list.slice(0, MAX_KEYS_PER_SET)) {
    const kid = (jwk as { kid?: unknown } | null)?.kid
    const key = toPublicKey(jwk)
    if (typeof kid === 'string' && key) keys.set(kid, key)
  }
  return keys
}

async function fetchKeySet (jwksUri: string, timeoutMs: number): Promise<Map<string, PublicKey>> {
  // The deadline covers the whole exchange, body included, so an endpoint
  // that accepts the connection and then says nothing cannot hold a request.
  const response = await fetch(jwksUri, {
    headers: { accept: 'application/json' },
    signal: AbortSignal.timeout(timeoutMs)
  })
  if (!response.ok) {
    await response.body?.cancel()
    throw new Error(`the key set endpoint answered ${response.status}`)
  }
  return parseKeySet(await response.json())
}

function readHeader (header: TokenHeader): { kid: string, alg: string } {
  const { kid, alg } = header
  if (typeof kid !== 'string' || kid === '') invalidToken('the token header has no kid')
  if (typeof alg !== 'string') invalidToken('the token header has no alg')
  return { kid, alg }
}

function pickKey (keySet: KeySet, kid: string, alg: string): string {
  const key = keySet.keys.get(kid)
  if (!key) invalidToken('the signing key is not known')
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
 * Resolves a token's `kid` to a public key from the configured JWKS. The
 * location comes only from configuration; nothing in the token (iss, jku,
 * x5u, jwk, x5c) can point it anywhere else. The whole key set is cached,
 * so every key the issuer publishes works after one fetch.
 */
export function createSigningKeyResolver (options: SigningKeyOptions): SigningKeyResolver {
  const timings = resolveTimings(options)
  const now = options.now ?? Date.now
  const { log, jwksUri } = options
  let keySet: KeySet | undefined
  let inFlight: Promise<KeySet> | undefined
  let lastAttemptAt = -Infinity
  let lastFailureAt = -Infinity

  async function load (): Promise<KeySet> {
    lastAttemptAt = now()
    try {
      keySet = { keys: await fetchKeySet(jwksUri, timings.timeoutMs), fetchedAt: now() }
      return keySet
    } catch (err) {
      lastFailureAt = now()
      log.warn({ err: { message: (err as Error).message }, jwksUri }, 'jwks fetch failed')
      throw err
    }
  }

  // One fetch at a time: concurrent requests wait for the same answer.
  function fetchOnce (): Promise<KeySet> {
    inFlight ??= load().finally(() => { inFlight = undefined })
    return inFlight
  }

  function isBackingOff (at: number): boolean {
    return inFlight === undefined && at - lastFailureAt < timings.failureBackoffMs
  }

  function findUsableKeySet (at: number): KeySet | undefined {
    return keySet && at - keySet.fetchedAt < timings.maxStaleMs ? keySet : undefined
  }

  function refreshInBackground (): void {
    if (inFlight || isBackingOff(now())) return
    log.debug({ jwksUri }, 'refreshing jwks in the background')
    fetchOnce().catch(() => {})
  }

  async function fetchOrUnavailable (): Promise<KeySet> {
    try {
      return await fetchOnce()
    } catch (err) {
      keysUnavailable(err)
    }
  }

  async function loadCold (at: number): Promise<KeySet> {
    if (isBackingOff(at)) keysUnavailable()
    return await fetchOrUnavailable()
  }

  async function refetchForUnknownKid (at: number): Promise<KeySet> {
    if (inFlight) return await fetchOrUnavailable()
    if (at - lastAttemptAt < timings.unknownKidCooldownMs) invalidToken('the signing key is not known')
    if (isBackingOff(at)) keysUnavailable()
    return await fetchOrUnavailable()
  }

  async function getKey (header: TokenHeader): Promise<string> {
    const { kid, alg } = readHeader(header)
    const at = now()
    const cached = findUsableKeySet(at)

    if (!cached) return pickKey(await loadCold(at), kid, alg)
    if (!cached.keys.has(kid)) return pickKey(await refetchForUnknownKid(at), kid, alg)
    if (at - cached.fetchedAt >= timings.refreshAfterMs) refreshInBackground()
    return pickKey(cached, kid, alg)
  }

  async function probe (): Promise<boolean> {
    if (isBackingOff(now())) return false
    try {
      await fetchOnce()
      return true
    } catch {
      return false
    }
  }

  return {
    getKey,
    probe,
    hasKeys: () => findUsableKeySet(now()) !== undefined
  }
}
