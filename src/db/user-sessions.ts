import { SignJWT } from 'jose'
import {
  QueryError,
  RecordId,
  ThrownError,
  type QueryResponse,
  type Surreal,
  type SurrealSession
} from 'surrealdb'
import { DbIdentityError } from '../errors.js'
import type { AccessKeyPair } from './access-key.js'
import { ACCESS_METHOD } from './migrations.js'
import { findStatementError } from './query-errors.js'

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
  /**
   * Runs SurrealQL as the caller, all statements in one transaction (so the
   * SQL must not contain BEGIN, COMMIT or CANCEL), and returns one result
   * per statement. A failing statement throws its own error and rolls the
   * others back. Inside a transaction a top-level RETURN ends it: statements
   * after it neither run nor get a result. Limitation (SurrealDB 3.0.2): a
   * record written earlier in the same list and then selected by its id
   * comes back without its id, so permissions on id hide it; use RETURN
   * AFTER on the write, or read it in a query() call of its own.
   */
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

const IDENTITY_MISMATCH = 'session identity mismatch'

// Every statement list runs in one transaction that starts with this check.
// Should the session ever act as the engine's default identity (root when
// embedded) or as another user, the check throws and the transaction takes
// every other statement down with it. Without the transaction the
// statements after a failed check would still run, as root.
export const IDENTITY_GUARD = `IF $auth != $caller { THROW "${IDENTITY_MISMATCH}" };`

const TRANSACTION_CONTROL = /(^|;)\s*(BEGIN|COMMIT|CANCEL)\b/i
const MAX_CONFLICT_RETRIES = 8
const CONFLICT_BACKOFF_MS = 4

export interface UserSessionSettings {
  namespace: string
  database: string
  accessKey: AccessKeyPair
  /** Lifetime of the per-request SurrealDB token; tests shorten it. */
  tokenTtlSec?: number
  /** Milliseconds since the epoch that tokens are signed at; tests move it. */
  clock?: () => number
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
    const nowSec = Math.floor((this.#settings.clock?.() ?? Date.now()) / 1000)
    const ttlSec = this.#settings.tokenTtlSec ?? RECORD_TOKEN_TTL_SEC

    return await new SignJWT({ ns: namespace, db: database, ac: ACCESS_METHOD, ...claims })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
      .setIssuedAt(nowSec)
      .setExpirationTime(nowSec + ttlSec)
      .sign(accessKey.privateKey)
  }

  /**
   * Opens a SurrealDB session authenticated as the caller, runs `work` in it
   * and always tears it down. There is no other way to reach request data.
   */
  async run<T> (caller: Caller, work: (queries: UserQueries) => Promise<T>): Promise<T> {
    const token = await this.signRecordToken(caller)
    const deadline = Date.now() + usableForMs(this.#settings.tokenTtlSec ?? RECORD_TOKEN_TTL_SEC)
    const session = await this.#db.newSession()

    try {
      await authenticateOrThrow(session, token)
      return await work(bindQueries(session, userRecordId(caller.sub), deadline))
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

// The SDK invalidates a session by itself (which makes it root) when its
// token is about to expire: at exp − 60 s, or at exp for tokens under two
// minutes. Queries stop being sent a little before that moment.
const SDK_EXPIRY_MARGIN_SEC = 60
const DEADLINE_MARGIN_MS = 1_000

function usableForMs (ttlSec: number): number {
  const sdkDelaySec = Math.min(ttlSec, Math.max(ttlSec - SDK_EXPIRY_MARGIN_SEC, SDK_EXPIRY_MARGIN_SEC))
  return sdkDelaySec * 1000 - DEADLINE_MARGIN_MS
}

function identityLost (cause: unknown): never {
  throw Object.assign(new DbIdentityError(), { cause })
}

function isIdentityMismatch (error: Error): boolean {
  return error instanceof ThrownError && error.message.includes(IDENTITY_MISMATCH)
}

function pickError (responses: QueryResponse[]): Error {
  const error = findStatementError(responses) as Error
  if (isIdentityMismatch(error)) identityLost(error)
  return error
}

function assertNoTransactionControl (sql: string): void {
  if (TRANSACTION_CONTROL.test(sql)) {
    throw new TypeError('user queries already run in a transaction; remove BEGIN, COMMIT and CANCEL')
  }
}

function isTransactionConflict (error: unknown): boolean {
  if (error instanceof QueryError && error.isTransactionConflict) return true
  return error instanceof Error && /transaction conflict/i.test(error.message)
}

function backOff (attempt: number): Promise<void> {
  const ms = Math.random() * CONFLICT_BACKOFF_MS * 2 ** attempt
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function runInTransaction (
  session: SurrealSession,
  sql: string,
  vars: Record<string, unknown>
): Promise<unknown[]> {
  const responses = await session.query(`BEGIN;\n${IDENTITY_GUARD}\n${sql}\n;COMMIT;`, vars).responses()
  if (responses.some((response) => !response.success)) throw pickError(responses)

  // BEGIN and the guard come first, COMMIT last.
  return responses.slice(2, -1).map((response) => response.success ? response.result : undefined)
}

function bindQueries (session: SurrealSession, userId: RecordId<'user'>, deadline: number): UserQueries {
  let authLost = false
  session.subscribe('auth', (auth) => { if (auth === null) authLost = true })

  function assertStillAuthenticated (): void {
    if (authLost) identityLost(new Error('the session lost its authentication'))
    if (Date.now() >= deadline) identityLost(new Error('the session is about to lose its authentication'))
  }

  return {
    userId,
    async query<T extends unknown[]> (sql: string, vars: Record<string, unknown> = {}): Promise<T> {
      assertNoTransactionControl(sql)

      // A conflicting concurrent write rolls the whole list back, so it is
      // safe to run it again (parallel first requests of one user do this).
      for (let attempt = 0; ; attempt++) {
        assertStillAuthenticated()
        try {
          return await runInTransaction(session, sql, { ...vars, caller: userId }) as T
        } catch (err) {
          if (attempt >= MAX_CONFLICT_RETRIES || !isTransactionConflict(err)) throw err
          await backOff(attempt)
        }
      }
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
