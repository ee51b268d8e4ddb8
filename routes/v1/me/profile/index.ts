import type { FastifyInstance } from 'fastify'
import { saveOwnProfile } from '../../../../src/db/users.js'
import { DbForbiddenError } from '../../../../src/errors.js'
import {
  EmptyQuerySchema,
  MANAGEMENT_ERROR_RESPONSES,
  ProfileSchema,
  ProfileUpdateSchema,
  type ProfileUpdate
} from '../../../../src/schemas/management.js'

export default async function profileRoutes (fastify: FastifyInstance): Promise<void> {
  // Any valid token may edit its own display fields: they are the user's own
  // user_metadata, which Auth0 lets users edit anyway, and grant nothing.
  fastify.patch<{ Body: ProfileUpdate }>('/', {
    schema: {
      tags: ['me'],
      summary: 'Edit the caller\'s display fields (name, nickname, picture, locale)',
      operationId: 'updateMyProfile',
      querystring: EmptyQuerySchema,
      body: ProfileUpdateSchema,
      response: { 200: ProfileSchema, ...MANAGEMENT_ERROR_RESPONSES }
    }
  }, async (request) => {
    const api = fastify.getManagementApi()

    // Auth0 first: when it fails, nothing is stored here either.
    await api.updateUserMetadata(request.auth.sub, request.body)
    const stored = await request.withUserDb((queries) => saveOwnProfile(queries, request.body))
    if (!stored) throw new DbForbiddenError()
    return stored
  })
}
