import { Type, type Static } from 'typebox'
import { PageQueryProperties } from './documents.js'

export const UserViewSchema = Type.Object({
  id: Type.String(),
  sub: Type.String(),
  email: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  roles: Type.Array(Type.String(), { description: 'roles the last token seen carried' }),
  created_at: Type.String({ format: 'date-time' }),
  last_seen_at: Type.String({ format: 'date-time' }),
  auth0_roles: Type.Optional(Type.Array(Type.String(), {
    description: 'roles held in Auth0 as of auth0_roles_synced_at (set through PUT /v1/users/{id}/roles); ' +
      'they reach the user\'s token at their next login or refresh'
  })),
  auth0_roles_synced_at: Type.Optional(Type.String({ format: 'date-time' }))
})

export type UserView = Static<typeof UserViewSchema>

export const UserListSchema = Type.Object({
  items: Type.Array(UserViewSchema),
  next_cursor: Type.Union([Type.String(), Type.Null()])
})

export const UserListQuerySchema = Type.Object({
  limit: PageQueryProperties.limit,
  cursor: Type.Optional(Type.String({
    minLength: 1,
    maxLength: 256,
    description: 'next_cursor from the previous page'
  }))
}, { additionalProperties: false })

export type UserListQuery = Static<typeof UserListQuerySchema>

export const UserParamsSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 256, description: 'the user\'s sub' })
}, { additionalProperties: false })
