import type { FastifyInstance } from 'fastify'
import { PERMISSIONS } from '../../../src/auth/policy.js'
import { findUser, listUsers, type UserRecord } from '../../../src/db/users.js'
import { ResourceNotFoundError } from '../../../src/errors.js'
import { ErrorRef } from '../../../src/schemas/common.js'
import {
  UserListQuerySchema,
  UserListSchema,
  UserParamsSchema,
  UserViewSchema,
  type UserListQuery,
  type UserView
} from '../../../src/schemas/users.js'

const TAGS = ['users']
const ADMIN = { permissions: [PERMISSIONS.admin] }
const AUTH_ERRORS = { 401: ErrorRef, 403: ErrorRef, 503: ErrorRef }

// One place that turns a stored user into what admins see, so more sources
// (such as roles held in Auth0) can be merged in here.
export function toUserView (user: UserRecord): UserView {
  const { token_roles: roles, ...rest } = user
  return { ...rest, roles }
}

export default async function userRoutes (fastify: FastifyInstance): Promise<void> {
  fastify.get<{ Querystring: UserListQuery }>('/', {
    config: { access: ADMIN },
    schema: {
      tags: TAGS,
      summary: 'Users the API has seen, with the roles of their last token (admin)',
      operationId: 'listUsers',
      querystring: UserListQuerySchema,
      response: { 200: UserListSchema, 400: ErrorRef, ...AUTH_ERRORS }
    }
  }, async (request) => {
    const page = await request.withUserDb((queries) => listUsers(queries, request.query))
    return { items: page.items.map(toUserView), next_cursor: page.next_cursor }
  })

  fastify.get<{ Params: { id: string } }>('/:id', {
    config: { access: ADMIN },
    schema: {
      tags: TAGS,
      summary: 'One user by sub, with roles and last-seen time (admin)',
      operationId: 'getUser',
      params: UserParamsSchema,
      response: { 200: UserViewSchema, 400: ErrorRef, 404: ErrorRef, ...AUTH_ERRORS }
    }
  }, async (request) => {
    const user = await request.withUserDb((queries) => findUser(queries, request.params.id))
    if (!user) throw new ResourceNotFoundError('User')
    return toUserView(user)
  })
}
