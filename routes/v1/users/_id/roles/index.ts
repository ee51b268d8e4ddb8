import type { FastifyInstance } from 'fastify'
import { PERMISSIONS } from '../../../../../src/auth/policy.js'
import type { AppliedRoleChange } from '../../../../../src/auth0/management.js'
import { findRoleMirror, mirrorAuth0Roles, type RoleMirror } from '../../../../../src/db/users.js'
import {
  MANAGEMENT_ERROR_RESPONSES,
  EmptyQuerySchema,
  SetRolesBodySchema,
  TAKES_EFFECT,
  UserIdParamsSchema,
  UserRolesSchema,
  type SetRolesBody,
  type UserIdParams,
  type UserRoles
} from '../../../../../src/schemas/management.js'

// Autoload is not asked to turn folders into parameters, so this file sets
// its prefix itself and declares :id in the route path.
export const prefixOverride = '/v1/users'

const TAGS = ['users']
const ADMIN = { permissions: [PERMISSIONS.admin] }

function toView (userId: string, auth0Roles: string[], mirror: RoleMirror | undefined): UserRoles {
  return {
    user_id: userId,
    auth0_roles: [...auth0Roles].sort(),
    token_roles: mirror?.token_roles ?? [],
    token_seen_at: mirror?.last_seen_at,
    auth0_roles_synced_at: mirror?.auth0_roles_synced_at,
    takes_effect: TAKES_EFFECT
  }
}

function summarise (change: AppliedRoleChange): string {
  const names = (roles: Array<{ name: string }>) => roles.map((role) => role.name).join(', ') || 'none'
  return `roles: ${names(change.roles)}; assigned: ${names(change.assigned)}; removed: ${names(change.removed)}`
}

export default async function userRoleRoutes (fastify: FastifyInstance): Promise<void> {
  fastify.get<{ Params: UserIdParams }>('/:id/roles', {
    config: { access: ADMIN },
    schema: {
      tags: TAGS,
      summary: 'A user\'s roles in Auth0 and in their last token (admin, MFA)',
      operationId: 'getUserRoles',
      params: UserIdParamsSchema,
      querystring: EmptyQuerySchema,
      response: { 200: UserRolesSchema, ...MANAGEMENT_ERROR_RESPONSES }
    }
  }, async (request) => {
    const { id } = request.params
    const roles = await fastify.getManagementApi().listUserRoles(id)
    const mirror = await request.withUserDb((queries) => findRoleMirror(queries, id))

    return toView(id, roles.map((role) => role.name), mirror)
  })

  fastify.put<{ Params: UserIdParams, Body: SetRolesBody }>('/:id/roles', {
    config: { access: ADMIN },
    schema: {
      tags: TAGS,
      summary: 'Set the roles a user holds in Auth0; effective from their next token (admin, MFA)',
      operationId: 'setUserRoles',
      params: UserIdParamsSchema,
      querystring: EmptyQuerySchema,
      body: SetRolesBodySchema,
      response: { 200: UserRolesSchema, ...MANAGEMENT_ERROR_RESPONSES }
    }
  }, async (request) => {
    const { id } = request.params
    const change = await fastify.getManagementApi().setUserRoles(id, request.body.roles)
    const names = change.roles.map((role) => role.name)
    const mirror = await request.withUserDb((queries) => mirrorAuth0Roles(queries, id, names, summarise(change)))

    request.log.info({ target: id, assigned: change.assigned.length, removed: change.removed.length }, 'auth0 roles set')
    return {
      ...toView(id, names, mirror),
      assigned: change.assigned.map((role) => role.name),
      removed: change.removed.map((role) => role.name)
    }
  })
}
