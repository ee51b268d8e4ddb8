import type { Surreal } from 'surrealdb'
import { findStatementError } from './query-errors.js'

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
  },
  {
    version: 2,
    name: 'audit',
    // Append-only: a record user may add rows only in its own name, and no
    // user session may change or remove one. Only admins read it.
    statements: `
      DEFINE TABLE IF NOT EXISTS audit SCHEMAFULL PERMISSIONS
        FOR select WHERE 'admin' IN $token.permissions
        FOR create WHERE actor = $auth
        FOR update, delete NONE;
      DEFINE FIELD IF NOT EXISTS actor ON audit TYPE option<record<user>> READONLY;
      DEFINE FIELD IF NOT EXISTS action ON audit TYPE string READONLY;
      DEFINE FIELD IF NOT EXISTS target ON audit TYPE string READONLY;
      DEFINE FIELD IF NOT EXISTS outcome ON audit TYPE string
        ASSERT $value IN ['success', 'denied'] READONLY;
      DEFINE FIELD IF NOT EXISTS reason ON audit TYPE option<string> READONLY;
      DEFINE FIELD IF NOT EXISTS version ON audit TYPE option<int> READONLY;
      DEFINE FIELD IF NOT EXISTS at ON audit TYPE datetime DEFAULT time::now() READONLY;
      DEFINE INDEX IF NOT EXISTS audit_actor ON audit FIELDS actor;
    `
  },
  {
    version: 3,
    name: 'teams',
    statements: `
      DEFINE TABLE IF NOT EXISTS team SCHEMAFULL PERMISSIONS
        FOR select WHERE members CONTAINS $auth OR 'admin' IN $token.permissions
        FOR create WHERE 'manage:teams' IN $token.permissions OR 'admin' IN $token.permissions
        FOR update WHERE ('manage:teams' IN $token.permissions AND managers CONTAINS $auth)
          OR 'admin' IN $token.permissions
        FOR delete NONE;
      DEFINE FIELD IF NOT EXISTS name ON team TYPE string ASSERT string::len($value) > 0;
      DEFINE FIELD IF NOT EXISTS members ON team TYPE array<record<user>> DEFAULT [];
      DEFINE FIELD IF NOT EXISTS managers ON team TYPE array<record<user>> DEFAULT [];
      DEFINE FIELD IF NOT EXISTS created_by ON team TYPE record<user> READONLY;
      DEFINE FIELD IF NOT EXISTS created_at ON team TYPE datetime DEFAULT time::now() READONLY;
      DEFINE INDEX IF NOT EXISTS team_members ON team FIELDS members;
      DEFINE EVENT IF NOT EXISTS team_audit ON team THEN {
        CREATE type::record('audit', rand::ulid()) SET
          actor = $auth,
          action = 'team.' + string::lowercase($event),
          target = <string> (IF $event = 'DELETE' { $before.id } ELSE { $after.id }),
          outcome = 'success'
      };
    `
  },
  {
    version: 4,
    name: 'documents',
    // The same rules as the route guards, with the request token's fresh
    // permissions: a document is visible to its owner, to admins, and to
    // members (with read:documents) of the team it is shared with.
    statements: `
      DEFINE TABLE IF NOT EXISTS document SCHEMAFULL PERMISSIONS
        FOR select WHERE owner = $auth
          OR 'admin' IN $token.permissions
          OR ('read:documents' IN $token.permissions AND team != NONE AND team.members CONTAINS $auth)
        FOR create WHERE owner = $auth
          AND ('write:own_documents' IN $token.permissions OR 'write:documents' IN $token.permissions)
          AND (team = NONE OR team.members CONTAINS $auth OR 'admin' IN $token.permissions)
        FOR update WHERE (owner = $auth
            AND ('write:own_documents' IN $token.permissions OR 'write:documents' IN $token.permissions))
          OR ('write:documents' IN $token.permissions AND ('admin' IN $token.permissions
            OR (team != NONE AND team.members CONTAINS $auth)))
        FOR delete WHERE 'delete:documents' IN $token.permissions AND (owner = $auth
          OR 'admin' IN $token.permissions
          OR (team != NONE AND team.members CONTAINS $auth));
      DEFINE FIELD IF NOT EXISTS owner ON document TYPE record<user> READONLY;
      DEFINE FIELD IF NOT EXISTS title ON document TYPE string ASSERT string::len($value) > 0;
      DEFINE FIELD IF NOT EXISTS body ON document TYPE string DEFAULT '';
      DEFINE FIELD IF NOT EXISTS tags ON document TYPE array<string> DEFAULT [];
      DEFINE FIELD IF NOT EXISTS team ON document TYPE option<record<team>>;
      DEFINE FIELD IF NOT EXISTS version ON document TYPE int DEFAULT 1 ASSERT $value >= 1;
      DEFINE FIELD IF NOT EXISTS created_at ON document TYPE datetime DEFAULT time::now() READONLY;
      DEFINE FIELD IF NOT EXISTS updated_at ON document TYPE datetime DEFAULT time::now();
      DEFINE INDEX IF NOT EXISTS document_owner ON document FIELDS owner;
      DEFINE INDEX IF NOT EXISTS document_team ON document FIELDS team;
      DEFINE INDEX IF NOT EXISTS document_tags ON document FIELDS tags;
      DEFINE EVENT IF NOT EXISTS document_audit ON document THEN {
        CREATE type::record('audit', rand::ulid()) SET
          actor = $auth,
          action = 'document.' + string::lowercase($event),
          target = <string> (IF $event = 'DELETE' { $before.id } ELSE { $after.id }),
          version = IF $event = 'DELETE' { $before.version } ELSE { $after.version },
          outcome = 'success'
      };
    `
  },
  {
    version: 10,
    name: 'auth0-management',
    // Admins change other users' roles in Auth0 and mirror them here, in
    // their own session, so the user table lets 'admin' create and update
    // any user record (create: a user may be given roles before their first
    // request). Profile fields are the ones PATCH /v1/me/profile sets.
    statements: `
      DEFINE TABLE OVERWRITE user SCHEMAFULL PERMISSIONS
        FOR select WHERE id = $auth OR 'admin' IN $token.permissions
        FOR create, update WHERE id = $auth OR 'admin' IN $token.permissions
        FOR delete NONE;
      DEFINE FIELD IF NOT EXISTS auth0_roles ON user TYPE option<array<string>>;
      DEFINE FIELD IF NOT EXISTS auth0_roles_synced_at ON user TYPE option<datetime>;
      DEFINE FIELD IF NOT EXISTS display_name ON user TYPE option<string>;
      DEFINE FIELD IF NOT EXISTS nickname ON user TYPE option<string>;
      DEFINE FIELD IF NOT EXISTS picture ON user TYPE option<string>;
      DEFINE FIELD IF NOT EXISTS locale ON user TYPE option<string>;
      DEFINE FIELD IF NOT EXISTS profile_updated_at ON user TYPE option<datetime>;
    `
  }
]

const BOOKKEEPING = `
  DEFINE TABLE IF NOT EXISTS schema_migration SCHEMAFULL PERMISSIONS NONE;
  DEFINE FIELD IF NOT EXISTS name ON schema_migration TYPE string;
  DEFINE FIELD IF NOT EXISTS applied_at ON schema_migration TYPE datetime DEFAULT time::now();
`

async function applyInTransaction (db: Surreal, migration: Migration): Promise<void> {
  const responses = await db.query(
    `BEGIN; ${migration.statements}; CREATE type::record('schema_migration', $version) SET name = $name; COMMIT;`,
    { version: migration.version, name: migration.name }
  ).responses()
  const error = findStatementError(responses)

  if (error) throw new Error(`migration ${migration.version} (${migration.name}) failed: ${error.message}`, { cause: error })
}

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
    await applyInTransaction(db, migration)
    ran.push(migration.version)
  }

  return ran
}
