import { RecordId } from 'surrealdb'
import { canManageTeam, isAdmin, type Grants } from '../auth/guards.js'
import { PERMISSIONS } from '../auth/policy.js'
import {
  RbacNotTeamManagerError,
  permissionDenied,
  ResourceNotFoundError
} from '../errors.js'
import type { Team } from '../schemas/teams.js'
import { appendDenied } from './audit.js'
import type { UserQueries } from './user-sessions.js'
import { toIdString, toIsoString } from './values.js'

type Row = Record<string, unknown>

function teamId (id: string): RecordId<'team'> {
  return new RecordId('team', id)
}

export function toTeam (row: Row): Team {
  return {
    id: toIdString(row.id),
    name: row.name as string,
    members: (row.members as unknown[]).map(toIdString),
    managers: (row.managers as unknown[]).map(toIdString),
    created_by: toIdString(row.created_by),
    created_at: toIsoString(row.created_at)
  }
}

/** The caller becomes the team's first member and manager. */
export async function createTeam (queries: UserQueries, name: string): Promise<Team> {
  const [row] = await queries.query<[Row | null]>(
    `CREATE ONLY type::record('team', rand::ulid()) SET
       name = $name,
       members = [$caller],
       managers = [$caller],
       created_by = $caller
     RETURN AFTER`,
    { name }
  )

  if (!row) {
    await appendDenied(queries, { action: 'team.create', target: 'team', reason: `missing ${PERMISSIONS.manageTeams}` })
    throw permissionDenied([PERMISSIONS.manageTeams])
  }
  return toTeam(row)
}

/** Teams the caller belongs to; every team for admins. */
export async function listTeams (queries: UserQueries, grants: Grants): Promise<Team[]> {
  const sql = isAdmin(grants)
    ? 'SELECT * FROM team ORDER BY id'
    : 'SELECT * FROM team WHERE members CONTAINS $caller ORDER BY id'
  const [rows] = await queries.query<[Row[]]>(sql)
  return rows.map(toTeam)
}

export async function findTeam (queries: UserQueries, id: string): Promise<Team | undefined> {
  const [row] = await queries.query<[Row | undefined]>('SELECT * FROM ONLY $id', { id: teamId(id) })
  return row ? toTeam(row) : undefined
}

export interface MemberChange {
  teamId: string
  sub: string
  /** Add: also make the member a manager. Remove: ignored (removes both roles). */
  manager?: boolean
}

async function findManagedTeam (queries: UserQueries, grants: Grants, change: MemberChange): Promise<Team> {
  const team = await findTeam(queries, change.teamId)
  if (!team) throw new ResourceNotFoundError('Team')

  if (!canManageTeam(grants, team.managers)) await denyMemberChange(queries, change.teamId)
  return team
}

async function denyMemberChange (queries: UserQueries, id: string): Promise<never> {
  await appendDenied(queries, { action: 'team.update', target: `team:${id}`, reason: 'not a manager of the team' })
  throw new RbacNotTeamManagerError()
}

async function applyMemberChange (queries: UserQueries, change: MemberChange, assignments: string): Promise<Team> {
  const [rows] = await queries.query<[Row[]]>(
    `UPDATE $id SET ${assignments} RETURN AFTER`,
    { id: teamId(change.teamId), member: new RecordId('user', change.sub) }
  )
  const row = rows[0]

  // Denied by table PERMISSIONS although the API check passed: never a success.
  if (!row) return await denyMemberChange(queries, change.teamId)
  return toTeam(row)
}

export async function addMember (queries: UserQueries, grants: Grants, change: MemberChange): Promise<Team> {
  await findManagedTeam(queries, grants, change)

  const assignments = change.manager === true
    ? 'members = array::union(members, [$member]), managers = array::union(managers, [$member])'
    : 'members = array::union(members, [$member])'
  return await applyMemberChange(queries, change, assignments)
}

export async function removeMember (queries: UserQueries, grants: Grants, change: MemberChange): Promise<Team> {
  await findManagedTeam(queries, grants, change)
  return await applyMemberChange(queries, change, 'members -= $member, managers -= $member')
}
