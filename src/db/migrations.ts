import type { Surreal } from 'surrealdb'

export const ACCESS_METHOD = 'api'
// How long one per-user SurrealDB session may live; requests are far
// shorter, so an expired session can only be a leak.
export const SESSION_DURATION = '10m'

export interface Migration {
  version: number
  name: string
  statements: string
}

// Applied in order, each once, inside a transaction. Every statement is
// written to be safe to run again, so a migration interrupted half-way can
// simply be re-run. Tables default to PERMISSIONS NONE for record users.
export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'users',
    statements: `
      DEFINE TABLE IF NOT EXISTS user SCHEMAFULL PERMISSIONS
        FOR select WHERE id = $auth OR 'admin' IN $token.permissions
        FOR create, update WHERE id = $auth
        FOR delete NONE;
      DEFINE FIELD IF NOT EXISTS sub ON user TYPE string ASSERT $value != '';
      DEFINE FIELD IF NOT EXISTS email ON user TYPE option<string>;
      DEFINE FIELD IF NOT EXISTS name ON user TYPE option<string>;
      DEFINE FIELD IF NOT EXISTS token_roles ON user TYPE array<string> DEFAULT [];
      DEFINE FIELD IF NOT EXISTS created_at ON user TYPE datetime DEFAULT time::now();
      DEFINE FIELD IF NOT EXISTS last_seen_at ON user TYPE datetime DEFAULT time::now();
      DEFINE INDEX IF NOT EXISTS user_sub ON user FIELDS sub UNIQUE;
    `
  }
]

const BOOKKEEPING = `
  DEFINE TABLE IF NOT EXISTS schema_migration SCHEMAFULL PERMISSIONS NONE;
  DEFINE FIELD IF NOT EXISTS name ON schema_migration TYPE string;
  DEFINE FIELD IF NOT EXISTS applied_at ON schema_migration TYPE datetime DEFAULT time::now();
`

/**
 * Brings the schema up to date. Runs on the system session at start-up; the
 * access method is redefined every time so that SurrealDB always trusts
 * exactly the public key this process signs with.
 */
export async function migrate (
  db: Surreal,
  publicKeyPem: string,
  migrations: Migration[] = MIGRATIONS
): Promise<number[]> {
  await db.query(BOOKKEEPING).collect()
  await db.query(
    `DEFINE ACCESS OVERWRITE ${ACCESS_METHOD} ON DATABASE TYPE RECORD
       WITH JWT ALGORITHM EDDSA KEY $key
       DURATION FOR SESSION ${SESSION_DURATION}`,
    { key: publicKeyPem }
  ).collect()

  const [applied] = await db.query<[number[]]>('SELECT VALUE record::id(id) FROM schema_migration').collect()
  const done = new Set(applied)
  const ran: number[] = []

  for (const migration of migrations) {
    if (done.has(migration.version)) continue
    await db.query(
      `BEGIN; ${migration.statements}; CREATE type::record('schema_migration', $version) SET name = $name; COMMIT;`,
      { version: migration.version, name: migration.name }
    ).collect()
    ran.push(migration.version)
  }

  return ran
}
