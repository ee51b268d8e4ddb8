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
    last_seen_at: toIsoString(row.last_seen_at)
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
