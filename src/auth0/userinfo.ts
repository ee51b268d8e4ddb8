import type { FastifyBaseLogger } from 'fastify'
import type { Identity } from '../auth/identity.js'
import type { UserinfoSettings } from './settings.js'

interface UserinfoProfile {
  email?: string
  name?: string
}

interface Checked {
  atMs: number
  profile?: UserinfoProfile
}

const MAX_TRACKED_USERS = 10_000

export interface UserinfoOptions {
  fetch?: typeof fetch
  now?: () => number
}

function pickString (value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

function isComplete (identity: Identity): boolean {
  return identity.email !== undefined && identity.name !== undefined
}

function fillIn (identity: Identity, profile: UserinfoProfile | undefined): void {
  identity.email ??= profile?.email
  identity.name ??= profile?.name
}

/**
 * Fills a token's missing email and name from Auth0's /userinfo, asked with
 * the caller's own access token at most once per user per interval; in
 * between, the answer is reused from memory, so provisioning sees the same
 * profile on every request. A failure never fails the request.
 */
export function createUserinfoEnricher (settings: UserinfoSettings, options: UserinfoOptions = {}) {
  const fetchFn = options.fetch ?? globalThis.fetch
  const now = options.now ?? Date.now
  const checked = new Map<string, Checked>()

  function remember (sub: string, entry: Checked): void {
    checked.delete(sub)
    checked.set(sub, entry)
    if (checked.size > MAX_TRACKED_USERS) checked.delete(checked.keys().next().value as string)
  }

  async function ask (accessToken: string): Promise<UserinfoProfile> {
    const response = await fetchFn(settings.userinfoUrl, {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      signal: AbortSignal.timeout(settings.timeoutMs)
    })
    if (!response.ok) throw new Error(`userinfo answered ${response.status}`)

    const body = await response.json() as Record<string, unknown>
    return { email: pickString(body.email), name: pickString(body.name) }
  }

  return async function enrich (identity: Identity, accessToken: string, log: FastifyBaseLogger): Promise<void> {
    if (isComplete(identity)) return

    const previous = checked.get(identity.sub)
    if (previous && now() - previous.atMs < settings.intervalMs) {
      fillIn(identity, previous.profile)
      return
    }

    // Marked before asking, so concurrent first requests ask only once.
    remember(identity.sub, { atMs: now(), profile: previous?.profile })
    try {
      const profile = await ask(accessToken)
      remember(identity.sub, { atMs: now(), profile })
      fillIn(identity, profile)
    } catch (err) {
      log.warn({ err: { message: (err as Error).message }, sub: identity.sub }, 'userinfo lookup failed')
      fillIn(identity, previous?.profile)
    }
  }
}
