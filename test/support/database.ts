import type { Surreal } from 'surrealdb'
// The helper ends the test process once its tests are done (see there).
import '../helper.js'
import type { Tap } from '../helper.js'
import { generateAccessKey, type AccessKeyPair } from '../../src/db/access-key.js'
import { closeConnection, openConnection } from '../../src/db/connection.js'
import { migrate } from '../../src/db/migrations.js'
import { UserSessions, type Caller, type UserSessionSettings } from '../../src/db/user-sessions.js'

export const NAMESPACE = 'app'
export const DATABASE = 'main'

export interface TestDatabase {
  /** The system connection; its default session is root on the embedded engine. */
  db: Surreal
  accessKey: AccessKeyPair
  sessions: UserSessions
  /** Per-user sessions over the same database with other settings. */
  sessionsWith (settings: Partial<UserSessionSettings>): UserSessions
}

/** Opens and migrates an embedded database the way the app does. */
export async function openTestDatabase (t: Tap, url = 'mem://'): Promise<TestDatabase> {
  const db = await openConnection({ url, namespace: NAMESPACE, database: DATABASE, connectTimeoutMs: 10_000 })
  t.teardown(() => closeConnection(db))

  const accessKey = generateAccessKey()
  await migrate(db, accessKey.publicKeyPem)

  const sessionsWith = (settings: Partial<UserSessionSettings>) =>
    new UserSessions(db, { namespace: NAMESPACE, database: DATABASE, accessKey, ...settings })

  return { db, accessKey, sessions: sessionsWith({}), sessionsWith }
}

export function caller (sub: string, permissions: string[] = []): Caller {
  return { sub, roles: [], permissions }
}

/** Pending setTimeout handles: the SDK's token-expiry timers are among them. */
export function countTimeouts (): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length
}

/** Sessions the engine holds besides the default one. */
export async function countEngineSessions (db: Surreal): Promise<number> {
  return (await db.sessions()).length
}

/**
 * An empty in-memory database for build(t, { database }): the app migrates
 * and uses it, and the test keeps its system session to look inside.
 */
export async function openAppDatabase (t: Tap): Promise<Surreal> {
  const db = await openConnection({ url: 'mem://', namespace: NAMESPACE, database: DATABASE, connectTimeoutMs: 10_000 })
  t.teardown(() => closeConnection(db))
  return db
}

export async function countRows (db: Surreal, table: string): Promise<number> {
  const [rows] = await db.query<[unknown[]]>(`SELECT * FROM ${table}`).collect()
  return rows.length
}

/** Makes SurrealDB trust another key than the one the app signs with. */
export async function distrustAppKey (db: Surreal): Promise<void> {
  await db.query(
    'DEFINE ACCESS OVERWRITE api ON DATABASE TYPE RECORD WITH JWT ALGORITHM EDDSA KEY $key DURATION FOR SESSION 10m',
    { key: generateAccessKey().publicKeyPem }
  ).collect()
}
