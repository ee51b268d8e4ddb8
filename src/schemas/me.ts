import { Type, type Static } from 'typebox'

export const MeSchema = Type.Object({
  user: Type.Object({
    id: Type.String(),
    sub: Type.String(),
    email: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    created_at: Type.String({ format: 'date-time' }),
    last_seen_at: Type.String({ format: 'date-time' })
  }),
  identity: Type.Object({
    sub: Type.String(),
    roles: Type.Array(Type.String()),
    permissions: Type.Array(Type.String()),
    scopes: Type.Array(Type.String()),
    accessLevel: Type.String(),
    mfa: Type.Boolean()
  })
})

export type Me = Static<typeof MeSchema>
