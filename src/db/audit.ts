import { RecordId } from 'surrealdb'
import type { AuditEntry, AuditListQuery } from '../schemas/audit.js'
import type { UserQueries } from './user-sessions.js'
import { toIdString, toIsoString } from './values.js'

export interface DeniedWrite {
  action: string
  target: string
  reason: string
}

export interface Page<T> {
  items: T[]
  next_cursor: string | null
}

/**
 * Appends a denied write in the caller's name. Successful writes are audited
 * by table events inside the same transaction as the write itself.
 */
export async function appendDenied (queries: UserQueries, denied: DeniedWrite): Promise<void> {
  await queries.query(
    `CREATE type::record('audit', rand::ulid()) SET
       actor = $caller,
       action = $action,
       target = $target,
       reason = $reason,
       outcome = 'denied'
     RETURN NONE`,
    { ...denied }
  )
}

/** Newest first. Rows an ordinary user may not read are filtered by PERMISSIONS. */
export async function listAudit (queries: UserQueries, query: AuditListQuery): Promise<Page<AuditEntry>> {
  const conditions: string[] = []
  if (query.cursor !== undefined) conditions.push('id < $cursor')
  if (query.actor !== undefined) conditions.push('actor = $actor')
  if (query.outcome !== undefined) conditions.push('outcome = $outcome')

  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''
  const [rows] = await queries.query<[Array<Record<string, unknown>>]>(
    `SELECT * FROM audit ${where} ORDER BY id DESC LIMIT $take`,
    {
      cursor: query.cursor === undefined ? undefined : new RecordId('audit', query.cursor),
      actor: query.actor === undefined ? undefined : new RecordId('user', query.actor),
      outcome: query.outcome,
      take: query.limit + 1
    }
  )

  return toPage(rows.map(toAuditEntry), query.limit)
}

/** Cuts one extra row off the page; its presence means there is a next page. */
export function toPage<T extends { id: string }> (items: T[], limit: number): Page<T> {
  const page = items.slice(0, limit)
  const last = page[page.length - 1]
  return { items: page, next_cursor: items.length > limit && last ? last.id : null }
}

function toAuditEntry (row: Record<string, unknown>): AuditEntry {
  return {
    id: toIdString(row.id),
    actor: row.actor === undefined || row.actor === null ? null : toIdString(row.actor),
    action: row.action as string,
    target: row.target as string,
    outcome: row.outcome as AuditEntry['outcome'],
    reason: row.reason as string | undefined,
    version: row.version as number | undefined,
    at: toIsoString(row.at)
  }
}
