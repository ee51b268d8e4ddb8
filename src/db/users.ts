import type { Identity } from '../auth/identity.js'
import { userRecordId, type UserQueries } from './user-sessions.js'
import { toIdString, toIsoString } from './values.js'

export interface UserRecord {
  id: string
  sub: string
  email?: string
  name?: string
  token_roles: string[]
  created_at: string
  last_seen_at: string
  auth0_roles?: string[]
  auth0_roles_synced_at?: string
}

/**
 * Creates the caller's user record on first sight and refreshes what the
 * token says about them. The record id is derived from the sub, so parallel
 * first requests all land on the same record.
 */
export async function provisionUser (queries: UserQueries, identity: Identity): Promise<void> {
  await queries.query(
    `UPSERT $caller SET
       sub = $sub,
       email = $email,
       name = $name,
       token_roles = $roles,
       last_seen_at = time::now()
     RETURN NONE`,
    {
      sub: identity.sub,
      email: identity.email,
      name: identity.name,
      roles: identity.roles
    }
  )
}

export async function findOwnUser (queries: UserQueries): Promise<UserRecord | undefined> {
  const [row] = await queries.query<[Record<string, unknown> | undefined]>(
    'SELECT * FROM ONLY $caller'
  )
  return row ? toUserRecord(row) : undefined
}

export function toUserRecord (row: Record<string, unknown>): UserRecord {
  return {
    id: toIdString(row.id),
    sub: row.sub as string,
    email: row.email as string | undefined,
    name: row.name as string | undefined,
    token_roles: row.token_roles as string[],
    created_at: toIsoString(row.created_at),
    last_seen_at: toIsoString(row.last_seen_at),
    auth0_roles: row.auth0_roles as string[] | undefined,
    auth0_roles_synced_at: row.auth0_roles_synced_at === undefined ? undefined : toIsoString(row.auth0_roles_synced_at)
  }
}

export interface UserPageQuery {
  limit: number
  cursor?: string
}

/**
 * Users in id (sub) order. Only admins get rows: the user table lets a
 * record user select its own record and nothing else without `admin`.
 */
export async function listUsers (queries: UserQueries, query: UserPageQuery): Promise<{
  items: UserRecord[]
  next_cursor: string | null
}> {
  const where = query.cursor === undefined ? '' : 'WHERE id > $cursor'
  const [rows] = await queries.query<[Array<Record<string, unknown>>]>(
    `SELECT * FROM user ${where} ORDER BY id LIMIT $take`,
    {
      cursor: query.cursor === undefined ? undefined : userRecordId(query.cursor),
      take: query.limit + 1
    }
  )

  const items = rows.slice(0, query.limit).map(toUserRecord)
  const last = items[items.length - 1]
  return { items, next_cursor: rows.length > query.limit && last ? last.sub : null }
}

export async function findUser (queries: UserQueries, sub: string): Promise<UserRecord | undefined> {
  const [row] = await queries.query<[Record<string, unknown> | undefined]>(
    'SELECT * FROM ONLY $id',
    { id: userRecordId(sub) }
  )
  return row ? toUserRecord(row) : undefined
}

export interface RoleMirror {
  sub: string
  auth0_roles?: string[]
  auth0_roles_synced_at?: string
  token_roles: string[]
  last_seen_at?: string
}

function toRoleMirror (row: Record<string, unknown>): RoleMirror {
  return {
    sub: row.sub as string,
    auth0_roles: row.auth0_roles as string[] | undefined,
    auth0_roles_synced_at: row.auth0_roles_synced_at === undefined ? undefined : toIsoString(row.auth0_roles_synced_at),
    token_roles: (row.token_roles as string[] | undefined) ?? [],
    last_seen_at: row.last_seen_at === undefined ? undefined : toIsoString(row.last_seen_at)
  }
}

/** What this API knows about a user's roles: from Auth0 and from their last token. */
export async function findRoleMirror (queries: UserQueries, sub: string): Promise<RoleMirror | undefined> {
  const [row] = await queries.query<[Record<string, unknown> | undefined]>(
    'SELECT sub, auth0_roles, auth0_roles_synced_at, token_roles, last_seen_at FROM ONLY $id',
    { id: userRecordId(sub) }
  )
  return row ? toRoleMirror(row) : undefined
}

/**
 * Records the roles a user now holds in Auth0 on their user record, and an
 * audit entry, in the caller's (an admin's) session. A user this API has
 * never seen has no record and gets none: undefined is returned.
 */
export async function mirrorAuth0Roles (
  queries: UserQueries,
  sub: string,
  roles: string[],
  summary: string
): Promise<RoleMirror | undefined> {
  const [rows] = await queries.query<[Array<Record<string, unknown>>]>(
    `UPDATE $id SET
       auth0_roles = $roles,
       auth0_roles_synced_at = time::now()
     RETURN AFTER;
     CREATE type::record('audit', rand::ulid()) SET
       actor = $caller,
       action = 'user.roles.set',
       target = <string> $id,
       outcome = 'success',
       reason = $summary
     RETURN NONE;`,
    { id: userRecordId(sub), roles, summary }
  )
  const row = rows[0]
  return row ? toRoleMirror(row) : undefined
}

export interface ProfileFields {
  name?: string
  nickname?: string
  picture?: string
  locale?: string
}

// The profile's name is kept apart from `name`, which provisioning
// refreshes from the token on every visit.
const PROFILE_COLUMNS: Record<keyof ProfileFields, string> = {
  name: 'display_name',
  nickname: 'nickname',
  picture: 'picture',
  locale: 'locale'
}

export interface StoredProfile extends ProfileFields {
  profile_updated_at: string
}

/** Saves the caller's own display fields; only the fields given change. */
export async function saveOwnProfile (queries: UserQueries, profile: ProfileFields): Promise<StoredProfile | undefined> {
  const keys = (Object.keys(PROFILE_COLUMNS) as Array<keyof ProfileFields>)
    .filter((key) => profile[key] !== undefined)
  const assignments = keys.map((key) => `${PROFILE_COLUMNS[key]} = $${key}`)

  const [row] = await queries.query<[Record<string, unknown> | null]>(
    `UPDATE ONLY $caller SET ${[...assignments, 'profile_updated_at = time::now()'].join(', ')} RETURN AFTER`,
    { ...profile }
  )
  if (!row) return undefined
  return {
    name: row.display_name as string | undefined,
    nickname: row.nickname as string | undefined,
    picture: row.picture as string | undefined,
    locale: row.locale as string | undefined,
    profile_updated_at: toIsoString(row.profile_updated_at)
  }
}
