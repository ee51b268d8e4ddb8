import { Type, type Static } from 'typebox'
import { RecordIdSchema } from './documents.js'

export const TeamSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  members: Type.Array(Type.String(), { description: 'subs of the members' }),
  managers: Type.Array(Type.String(), { description: 'subs of the members who manage the team' }),
  created_by: Type.String(),
  created_at: Type.String({ format: 'date-time' })
})

export type Team = Static<typeof TeamSchema>

export const TeamListSchema = Type.Object({
  items: Type.Array(TeamSchema)
})

export const TeamCreateSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 })
}, { additionalProperties: false })

export type TeamCreate = Static<typeof TeamCreateSchema>

export const TeamMemberParamsSchema = Type.Object({
  id: RecordIdSchema,
  sub: Type.String({ minLength: 1, maxLength: 256, description: 'the member\'s sub' })
}, { additionalProperties: false })

export const TeamMemberQuerySchema = Type.Object({
  manager: Type.Optional(Type.Boolean({ default: false, description: 'also make the member a manager' }))
}, { additionalProperties: false })
