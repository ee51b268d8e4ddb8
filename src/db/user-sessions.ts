import { SignJWT } from 'jose'
import { RecordId, type Surreal, type SurrealSession } from 'surrealdb'
import { DbIdentityError } from '../errors.js'
import type { AccessKeyPair } from './access-key.js'
import { ACCESS_METHOD } from './migrations.js'

// Must stay above two minutes: below that the SDK schedules its expiry
// handling at exp itself instead of exp − 60 s (see the engine notes).
export const RECORD_TOKEN_TTL_SEC = 300

export interface Caller {
  sub: string
  roles: string[]
  permissions: string[]
}

export interface UserQueries {
  /** The caller's own user record id. */
  readonly userId: RecordId<'user'>
  /** Runs SurrealQL as the caller; returns one result per statement. */
  query<T extends unknown[] = unknown[]>(sql: string, vars?: Record<string, unknown>): Promise<T>
}

export function userRecordId (sub: string): RecordId<'user'> {
  return new RecordId('user', sub)
}

// A raw sub such as "auth0|65f…" would be cut at the "|" by SurrealDB's
// parser, so every user would collapse into "user:auth0". Backticks with
// backslash escapes round-trip any string exactly.
export function recordIdClaim (sub: string): string {
  return 'user:`' + sub.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`'
}

// Every statement list starts with this check. Should a session ever fall
// back to the engine's default identity (which is root when embedded) or to
// another user, the query throws instead of running.
const IDENTITY_GUARD = 'IF $auth != $caller { THROW "session identity mismatch" };'

export interface UserSessionSettings {
  namespace: string
  database: string
  accessKey: AccessKeyPair
}

export class UserSessions {
  readonly #db: Surreal
  readonly #settings: UserSessionSettings

  constructor (db: Surreal, settings: UserSessionSettings) {
    this.#db = db
    this.#settings = settings
  }

  async signRecordToken (caller: Caller): Promise<string> {
    return await this.#sign({
      id: recordIdClaim(caller.sub),
      roles: caller.roles,
      permissions: caller.permissions
    })
  }

  async #sign (claims: Record<string, unknown>): Promise<string> {
    const { namespace, database, accessKey } = this.#settings

    return await new SignJWT({ ns: namespace, db: database, ac: ACCESS_METHOD, ...claims })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime(`${RECORD_TOKEN_TTL_SEC}s`)
      .sign(accessKey.privateKey)
  }

  /**
   * Opens a SurrealDB session authenticated as the caller, runs `work` in it
   * and always tears it down. There is no other way to reach request data.
   */
  async run<T> (caller: Caller, work: (queries: UserQueries) => Promise<T>): Promise<T> {
    const token = await this.signRecordToken(caller)
    const session = await this.#db.newSession()

    try {
      await authenticateOrThrow(session, token)
      return await work(bindQueries(session, userRecordId(caller.sub)))
    } finally {
      await closeQuietly(session)
    }
  }

  /**
   * Exercises the same path as a request (sign, authenticate as a record
   * user, query) with an identity that owns no data.
   */
  async probe (): Promise<boolean> {
    const probeId = new RecordId('readiness', 'probe')
    const token = await this.#sign({ id: 'readiness:probe', roles: [], permissions: [] })
    const session = await this.#db.newSession()

    try {
      await session.authenticate(token)
      const [matches] = await session.query<[boolean]>('RETURN $auth = $probe', { probe: probeId }).collect()
      return matches === true
    } finally {
      await closeQuietly(session)
    }
  }
}

async function authenticateOrThrow (session: SurrealSession, token: string): Promise<void> {
  try {
    await session.authenticate(token)
  } catch (err) {
    // An embedded session whose authenticate() failed acts as root, so it
    // must not be queried; the caller gets a 503 and the cause is logged.
    throw Object.assign(new DbIdentityError(), { cause: err })
  }
}

function bindQueries (session: SurrealSession, userId: RecordId<'user'>): UserQueries {
  return {
    userId,
    async query<T extends unknown[]> (sql: string, vars: Record<string, unknown> = {}): Promise<T> {
      const results = await session
        .query(`${IDENTITY_GUARD}\n${sql}`, { ...vars, caller: userId })
        .collect()
      return results.slice(1) as T
    }
  }
}

// invalidate() first: closeSession() alone leaves the SDK's expiry timer
// running until exp − 60 s, one per request.
async function closeQuietly (session: SurrealSession): Promise<void> {
  try {
    await session.invalidate()
  } finally {
    await session.closeSession()
  }
}
