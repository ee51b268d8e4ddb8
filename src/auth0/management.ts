import { ManagementError, ManagementTimeoutError } from 'auth0'
import { RolesClient } from 'auth0/roles'
import { UsersClient } from 'auth0/users'
import {
  MgmtRateLimitedError,
  MgmtUnknownRoleError,
  MgmtUpstreamError,
  MgmtUpstreamTimeoutError,
  MgmtUserNotFoundError
} from '../errors.js'
import { requestManagementToken } from './client-credentials.js'
import {
  createRateLimiter,
  DEFAULT_RETRY_POLICY,
  readRateLimit,
  SYSTEM_CLOCK,
  type Clock,
  type RateLimiter,
  type RetryPolicy
} from './rate-limit.js'
import { findUnknownRoleNames, planRoleChange, resolveRoleNames, type Auth0Role } from './roles.js'
import type { ManagementSettings } from './settings.js'
import { createTokenCache, type TokenCache } from './token-cache.js'
import {
  CredentialsRejectedError,
  isAbortTimeout,
  UpstreamFailureError,
  UpstreamRateLimitedError,
  UpstreamTimeoutError
} from './upstream.js'

/** Display fields a user may set on their own profile (Auth0 user_metadata). */
export interface ProfileUpdate {
  name?: string
  nickname?: string
  picture?: string
  locale?: string
}

export interface ManagementApi {
  /** Gets a token once; throws CredentialsRejectedError when Auth0 refuses the client. */
  verifyCredentials (): Promise<void>
  listUserRoles (userId: string): Promise<Auth0Role[]>
  /** Makes the user hold exactly these roles; returns what was changed. */
  setUserRoles (userId: string, roleNames: string[]): Promise<AppliedRoleChange>
  updateUserMetadata (userId: string, profile: ProfileUpdate): Promise<void>
}

export interface AppliedRoleChange {
  roles: Auth0Role[]
  assigned: Auth0Role[]
  removed: Auth0Role[]
}

export interface ManagementOptions {
  retry?: Partial<RetryPolicy>
  clock?: Clock
  fetch?: typeof fetch
}

// Role definitions change rarely; resolving names on every PUT would spend
// rate limit on the same answer.
export const ROLE_CATALOGUE_TTL_MS = 30_000
// Auth0 pages at 100 at most.
const ROLES_PER_PAGE = 100

/**
 * The Management API calls this API needs. Requests go through the official
 * auth0 v7 sub-clients (UsersClient, RolesClient), configured with our own
 * base URL, token supplier and fetch, and with their retries off. The SDK's
 * ManagementClient wrapper is not used: it hard-codes https://{domain} for
 * both the API and /oauth/token, its token request has a fixed 10 s deadline,
 * and its built-in retry waits up to 60 s per 429. Here the token is fetched
 * with plain fetch under the configured deadline, every response's
 * x-ratelimit-* headers are read through the fetch hook, and 429s are retried
 * a bounded number of times by our own loop.
 */
export function createManagementApi (
  settings: ManagementSettings,
  options: ManagementOptions = {}
): ManagementApi {
  const baseFetch = options.fetch ?? globalThis.fetch
  const limiter = createRateLimiter({ ...DEFAULT_RETRY_POLICY, ...options.retry }, options.clock ?? SYSTEM_CLOCK)

  const observingFetch: typeof fetch = async (input, init) => {
    const response = await baseFetch(input, init)
    limiter.record(readRateLimit(response.headers))
    return response
  }

  const tokens = createTokenCache(() => requestManagementToken({
    settings,
    fetch: baseFetch,
    onRateLimit: (snapshot) => limiter.record(snapshot)
  }))

  const clientOptions = {
    baseUrl: `${settings.baseUrl}/api/v2`,
    token: () => tokens.get(),
    maxRetries: 0,
    timeoutInSeconds: settings.timeoutMs / 1000,
    fetch: observingFetch
  }
  const users = new UsersClient(clientOptions)
  const roles = new RolesClient(clientOptions)
  const call = buildCaller(limiter, tokens)
  const catalogue = createRoleCatalogue(() => call(async () => {
    const page = await roles.list({ per_page: ROLES_PER_PAGE })
    return page.data.map(toRole)
  }))

  async function listUserRoles (userId: string): Promise<Auth0Role[]> {
    return await call(async () => {
      const page = await users.roles.list(userId, { per_page: ROLES_PER_PAGE })
      return page.data.map(toRole)
    }, { userScoped: true })
  }

  async function setUserRoles (userId: string, roleNames: string[]): Promise<AppliedRoleChange> {
    const target = resolveRoleNames(roleNames, await catalogue.forNames(roleNames))
    const current = await listUserRoles(userId)
    const change = planRoleChange(current, target)

    // Assign first: should the removal then fail, the user holds more roles
    // rather than none, and repeating the PUT completes the change.
    if (change.assign.length > 0) {
      await call(() => users.roles.assign(userId, { roles: change.assign }), { userScoped: true })
    }
    if (change.remove.length > 0) {
      await call(() => users.roles.delete(userId, { roles: change.remove }), { userScoped: true })
    }

    return {
      roles: target,
      assigned: target.filter((role) => change.assign.includes(role.id)),
      removed: current.filter((role) => change.remove.includes(role.id))
    }
  }

  async function updateUserMetadata (userId: string, profile: ProfileUpdate): Promise<void> {
    await call(() => users.update(userId, { user_metadata: { ...profile } }), { userScoped: true })
  }

  async function verifyCredentials (): Promise<void> {
    await limiter.run(() => tokens.get())
  }

  return { verifyCredentials, listUserRoles, setUserRoles, updateUserMetadata }
}

function toRole (role: { id?: string, name?: string, description?: string }): Auth0Role {
  return { id: role.id ?? '', name: role.name ?? '', description: role.description }
}

interface CallOptions {
  /** A 404 means the user in the path does not exist. */
  userScoped?: boolean
}

function buildCaller (limiter: RateLimiter, tokens: TokenCache) {
  return async function call<T> (work: () => Promise<T>, options: CallOptions = {}): Promise<T> {
    try {
      return await limiter.run(() => work().catch((err: unknown) => classify(err, limiter, tokens)))
    } catch (err) {
      throw toHttpError(err, options)
    }
  }
}

// Turns what the SDK throws into the signals the retry loop and the error
// mapping understand. Auth0's body text never travels further.
function classify (err: unknown, limiter: RateLimiter, tokens: TokenCache): never {
  if (err instanceof ManagementTimeoutError || isAbortTimeout(err)) throw new UpstreamTimeoutError()
  if (!(err instanceof ManagementError)) throw err
  // The SDK aborts its deadline with the string reason 'timeout'; Node's
  // fetch rejects with that string, so the SDK reports an unknown error
  // whose cause is the string rather than a ManagementTimeoutError.
  if (err.cause === 'timeout' || isAbortTimeout(err.cause)) throw new UpstreamTimeoutError()

  const status = err.statusCode
  if (status === 429) {
    const headers = err.rawResponse?.headers
    const resetAtMs = headers ? readRateLimit(headers).resetAtMs : limiter.latest().resetAtMs
    throw new UpstreamRateLimitedError(resetAtMs)
  }
  if (status === 401) tokens.clear()
  if (status === 404) throw new MgmtUserNotFoundError()
  throw new UpstreamFailureError(status)
}

function toHttpError (err: unknown, options: CallOptions): Error {
  if (err instanceof MgmtRateLimitedError || err instanceof MgmtUnknownRoleError) return err
  if (err instanceof MgmtUserNotFoundError) return options.userScoped ? err : new MgmtUpstreamError()
  if (err instanceof UpstreamTimeoutError) return Object.assign(new MgmtUpstreamTimeoutError(), { cause: err })
  if (err instanceof CredentialsRejectedError || err instanceof UpstreamFailureError) {
    return Object.assign(new MgmtUpstreamError(), { cause: err })
  }
  return Object.assign(new MgmtUpstreamError(), { cause: err })
}

function createRoleCatalogue (load: () => Promise<Auth0Role[]>, ttlMs = ROLE_CATALOGUE_TTL_MS) {
  let cached: { roles: Auth0Role[], at: number } | undefined
  let pending: Promise<Auth0Role[]> | undefined

  function refresh (): Promise<Auth0Role[]> {
    pending ??= load()
      .then((roles) => {
        cached = { roles, at: Date.now() }
        return roles
      })
      .finally(() => { pending = undefined })
    return pending
  }

  // A name missing from a cached catalogue may be a role created since:
  // one fresh look before it is refused.
  async function forNames (names: string[]): Promise<Auth0Role[]> {
    if (cached === undefined || Date.now() - cached.at >= ttlMs) return await refresh()
    if (findUnknownRoleNames(names, cached.roles).length === 0) return cached.roles
    return await refresh()
  }

  return { forNames }
}
