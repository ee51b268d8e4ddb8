import type { FastifyInstance } from 'fastify'
import { ErrorRef } from '../../../src/schemas/common.js'
import { MeSchema } from '../../../src/schemas/me.js'
import { findOwnUser } from '../../../src/db/users.js'
import { ResourceNotFoundError } from '../../../src/errors.js'

export default async function meRoutes (fastify: FastifyInstance): Promise<void> {
  fastify.get('/', {
    schema: {
      tags: ['me'],
      summary: 'The caller: stored user record and what the token grants',
      operationId: 'getMe',
      response: { 200: MeSchema, 404: ErrorRef }
    }
  }, async (request) => {
    const user = await request.withUserDb(findOwnUser)
    if (!user) throw new ResourceNotFoundError('User')

    const { sub, roles, permissions, scopes, accessLevel, mfa } = request.auth
    return { user, identity: { sub, roles, permissions, scopes, accessLevel, mfa } }
  })
}
