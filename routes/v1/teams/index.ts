import type { FastifyInstance } from 'fastify'
import type { Grants } from '../../../src/auth/guards.js'
import { PERMISSIONS } from '../../../src/auth/policy.js'
import { addMember, createTeam, findTeam, listTeams, removeMember } from '../../../src/db/teams.js'
import { ResourceNotFoundError } from '../../../src/errors.js'
import { ErrorRef } from '../../../src/schemas/common.js'
import { IdParamsSchema } from '../../../src/schemas/documents.js'
import {
  TeamCreateSchema,
  TeamListSchema,
  TeamMemberQuerySchema,
  TeamMemberParamsSchema,
  TeamSchema,
  type TeamCreate
} from '../../../src/schemas/teams.js'

const TAGS = ['teams']
const AUTH_ERRORS = { 401: ErrorRef, 403: ErrorRef, 503: ErrorRef }
// Member changes are checked again per team: manage:teams only counts on
// teams the caller manages.
const MANAGE = { permissions: [PERMISSIONS.manageTeams, PERMISSIONS.admin], mode: 'any' as const }
const READ = { permissions: [PERMISSIONS.readDocuments], stepUpForPrivilegedRoles: false }

interface MemberParams { id: string, sub: string }

export default async function teamRoutes (fastify: FastifyInstance): Promise<void> {
  fastify.get('/', {
    config: { access: READ },
    schema: {
      tags: TAGS,
      summary: 'Teams the caller belongs to (all teams for admins)',
      operationId: 'listTeams',
      response: { 200: TeamListSchema, ...AUTH_ERRORS }
    }
  }, async (request) => {
    const grants: Grants = request.auth
    return { items: await request.withUserDb((queries) => listTeams(queries, grants)) }
  })

  fastify.post<{ Body: TeamCreate }>('/', {
    config: { access: MANAGE },
    schema: {
      tags: TAGS,
      summary: 'Create a team; the caller becomes its first member and manager',
      operationId: 'createTeam',
      body: TeamCreateSchema,
      response: { 201: TeamSchema, 400: ErrorRef, ...AUTH_ERRORS }
    }
  }, async (request, reply) => {
    const team = await request.withUserDb((queries) => createTeam(queries, request.body.name))

    reply.code(201).header('location', `${request.url.split('?')[0]}/${team.id}`)
    return team
  })

  fastify.get<{ Params: { id: string } }>('/:id', {
    config: { access: READ },
    schema: {
      tags: TAGS,
      summary: 'One team; 404 unless the caller is a member or an admin',
      operationId: 'getTeam',
      params: IdParamsSchema,
      response: { 200: TeamSchema, 400: ErrorRef, 404: ErrorRef, ...AUTH_ERRORS }
    }
  }, async (request) => {
    const team = await request.withUserDb((queries) => findTeam(queries, request.params.id))
    if (!team) throw new ResourceNotFoundError('Team')
    return team
  })

  fastify.put<{ Params: MemberParams, Querystring: { manager?: boolean } }>('/:id/members/:sub', {
    config: { access: MANAGE },
    schema: {
      tags: TAGS,
      summary: 'Add a member (optionally as a manager); needs manage:teams on this team, or admin',
      operationId: 'addTeamMember',
      params: TeamMemberParamsSchema,
      querystring: TeamMemberQuerySchema,
      response: { 200: TeamSchema, 400: ErrorRef, 404: ErrorRef, ...AUTH_ERRORS }
    }
  }, async (request) => {
    const grants: Grants = request.auth
    const change = { teamId: request.params.id, sub: request.params.sub, manager: request.query.manager }
    return await request.withUserDb((queries) => addMember(queries, grants, change))
  })

  fastify.delete<{ Params: MemberParams }>('/:id/members/:sub', {
    config: { access: MANAGE },
    schema: {
      tags: TAGS,
      summary: 'Remove a member; needs manage:teams on this team, or admin',
      operationId: 'removeTeamMember',
      params: TeamMemberParamsSchema,
      response: { 200: TeamSchema, 400: ErrorRef, 404: ErrorRef, ...AUTH_ERRORS }
    }
  }, async (request) => {
    const grants: Grants = request.auth
    const change = { teamId: request.params.id, sub: request.params.sub }
    return await request.withUserDb((queries) => removeMember(queries, grants, change))
  })
}
