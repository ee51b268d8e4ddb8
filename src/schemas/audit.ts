import { Type, type Static } from 'typebox'
import { PageQueryProperties } from './documents.js'

export const AuditEntrySchema = Type.Object({
  id: Type.String(),
  actor: Type.Union([Type.String(), Type.Null()], { description: 'sub of the caller' }),
  action: Type.String({ description: 'e.g. document.create, team.update, DELETE /v1/documents/:id' }),
  target: Type.String(),
  outcome: Type.Union([Type.Literal('success'), Type.Literal('denied')]),
  reason: Type.Optional(Type.String()),
  version: Type.Optional(Type.Integer()),
  at: Type.String({ format: 'date-time' })
})

export type AuditEntry = Static<typeof AuditEntrySchema>

export const AuditListSchema = Type.Object({
  items: Type.Array(AuditEntrySchema),
  next_cursor: Type.Union([Type.String(), Type.Null()])
})

export const AuditListQuerySchema = Type.Object({
  ...PageQueryProperties,
  actor: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'actor sub' })),
  outcome: Type.Optional(Type.Union([Type.Literal('success'), Type.Literal('denied')]))
}, { additionalProperties: false })

export type AuditListQuery = Static<typeof AuditListQuerySchema>
