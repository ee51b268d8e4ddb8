import type { Identity } from '../auth/identity.js'
import type { UserQueries } from './user-sessions.js'
import { provisionUser } from './users.js'

// A read request should not cost a database write: last-seen times are
// refreshed at most this often per user and process.
export const LAST_SEEN_INTERVAL_MS = 60_000
const MAX_TRACKED_USERS = 10_000

interface Seen {
  at: number
  fingerprint: string
}

function fingerprintOf (identity: Identity): string {
  return JSON.stringify([identity.email, identity.name, identity.roles])
}

/**
 * Remembers which users this process has provisioned lately. The record
 * itself is the source of truth; this only skips redundant upserts.
 */
export function createProvisioner (intervalMs = LAST_SEEN_INTERVAL_MS) {
  const seen = new Map<string, Seen>()

  function isDue (identity: Identity, now: number): boolean {
    const entry = seen.get(identity.sub)
    return entry === undefined ||
      now - entry.at >= intervalMs ||
      entry.fingerprint !== fingerprintOf(identity)
  }

  function remember (identity: Identity, now: number): void {
    seen.delete(identity.sub)
    seen.set(identity.sub, { at: now, fingerprint: fingerprintOf(identity) })
    if (seen.size > MAX_TRACKED_USERS) seen.delete(seen.keys().next().value as string)
  }

  return async function provisionIfDue (queries: UserQueries, identity: Identity): Promise<void> {
    const now = Date.now()
    if (!isDue(identity, now)) return

    await provisionUser(queries, identity)
    remember(identity, now)
  }
}
