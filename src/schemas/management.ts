import { Type, type Static } from 'typebox'
import { ErrorRef } from './common.js'

/** Every answer a route that calls Auth0 can give besides success. */
export const MANAGEMENT_ERROR_RESPONSES = {
  400: ErrorRef,
  401: ErrorRef,
  403: ErrorRef,
  404: ErrorRef,
  501: ErrorRef,
  502: ErrorRef,
  503: ErrorRef,
  504: ErrorRef
}

const RoleName = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9][A-Za-z0-9 _:.-]*$',
  description: 'an Auth0 role name, e.g. admin'
})

export const UserIdParamsSchema = Type.Object({
  id: Type.String({
    minLength: 1,
    maxLength: 256,
    description: 'the Auth0 user id (sub), URL-encoded: auth0%7C123 for auth0|123'
  })
}, { additionalProperties: false })

export type UserIdParams = Static<typeof UserIdParamsSchema>

export const SetRolesBodySchema = Type.Object({
  roles: Type.Array(RoleName, {
    maxItems: 20,
    uniqueItems: true,
    description: 'every role the user should hold afterwards; [] removes all'
  })
}, { additionalProperties: false })

export type SetRolesBody = Static<typeof SetRolesBodySchema>

export const TAKES_EFFECT = 'next_token'

export const UserRolesSchema = Type.Object({
  user_id: Type.String(),
  auth0_roles: Type.Array(Type.String(), { description: 'roles the user holds in Auth0 now' }),
  token_roles: Type.Array(Type.String(), {
    description: 'roles the last access token this API saw from the user carried'
  }),
  token_seen_at: Type.Optional(Type.String({ format: 'date-time' })),
  auth0_roles_synced_at: Type.Optional(Type.String({ format: 'date-time' })),
  assigned: Type.Optional(Type.Array(Type.String())),
  removed: Type.Optional(Type.Array(Type.String())),
  takes_effect: Type.Literal(TAKES_EFFECT, {
    description: 'Auth0 puts roles into tokens when they are issued: a change applies from the user\'s next token'
  })
})

export type UserRoles = Static<typeof UserRolesSchema>

export const EmptyQuerySchema = Type.Object({}, { additionalProperties: false })

// Display fields only. Roles, permissions and app_metadata cannot be sent:
// additionalProperties false turns any other field into a 400.
export const ProfileUpdateSchema = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  nickname: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  picture: Type.Optional(Type.String({
    maxLength: 1024,
    format: 'uri',
    pattern: '^https://',
    description: 'an https URL of an image'
  })),
  locale: Type.Optional(Type.String({
    maxLength: 35,
    pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$',
    description: 'a BCP 47 language tag such as en-GB'
  }))
}, { additionalProperties: false, minProperties: 1 })

export type ProfileUpdate = Static<typeof ProfileUpdateSchema>

export const ProfileSchema = Type.Object({
  name: Type.Optional(Type.String()),
  nickname: Type.Optional(Type.String()),
  picture: Type.Optional(Type.String()),
  locale: Type.Optional(Type.String()),
  profile_updated_at: Type.String({ format: 'date-time' })
})
