import { Type, type Static } from 'typebox'

// Record ids are ULIDs when the API creates them; the pattern also admits
// any id of the same alphabet, so an unknown id is a 404, not a 400.
export const RECORD_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$'
export const MAX_PAGE_SIZE = 100
export const DEFAULT_PAGE_SIZE = 20
const MAX_TAGS = 20

export const RecordIdSchema = Type.String({ pattern: RECORD_ID_PATTERN })

export const IdParamsSchema = Type.Object({
  id: RecordIdSchema
}, { additionalProperties: false })

export const PageQueryProperties = {
  limit: Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE }),
  cursor: Type.Optional(Type.String({
    pattern: RECORD_ID_PATTERN,
    description: 'next_cursor from the previous page'
  }))
}

const TitleSchema = Type.String({ minLength: 1, maxLength: 200 })
const BodySchema = Type.String({ maxLength: 100_000 })
const TagSchema = Type.String({ minLength: 1, maxLength: 50, pattern: '^[^\\s,]+$' })
const TagsSchema = Type.Array(TagSchema, { maxItems: MAX_TAGS, uniqueItems: true })
const TeamRefSchema = Type.Union([RecordIdSchema, Type.Null()], {
  description: 'team the document is shared with; null for none'
})

export const DocumentSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  body: Type.String(),
  tags: Type.Array(Type.String()),
  owner: Type.String({ description: 'sub of the user who created it' }),
  team: Type.Union([Type.String(), Type.Null()]),
  version: Type.Integer({ minimum: 1 }),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' })
})

export type Document = Static<typeof DocumentSchema>

export const DocumentListSchema = Type.Object({
  items: Type.Array(DocumentSchema),
  next_cursor: Type.Union([Type.String(), Type.Null()])
})

export type DocumentList = Static<typeof DocumentListSchema>

export const DocumentListQuerySchema = Type.Object({
  ...PageQueryProperties,
  owner: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'owner sub' })),
  team: Type.Optional(RecordIdSchema),
  tag: Type.Optional(TagSchema)
}, { additionalProperties: false })

export type DocumentListQuery = Static<typeof DocumentListQuerySchema>

export const DocumentCreateSchema = Type.Object({
  title: TitleSchema,
  body: Type.Optional(BodySchema),
  tags: Type.Optional(TagsSchema),
  team: Type.Optional(TeamRefSchema)
}, { additionalProperties: false })

export type DocumentCreate = Static<typeof DocumentCreateSchema>

export const DocumentPatchSchema = Type.Object({
  title: Type.Optional(TitleSchema),
  body: Type.Optional(BodySchema),
  tags: Type.Optional(TagsSchema),
  team: Type.Optional(TeamRefSchema),
  version: Type.Optional(Type.Integer({
    minimum: 1,
    description: 'the version being changed; an alternative to If-Match'
  }))
}, { additionalProperties: false, minProperties: 1 })

export type DocumentPatch = Static<typeof DocumentPatchSchema>

export const IfMatchHeadersSchema = Type.Object({
  'if-match': Type.Optional(Type.String({
    maxLength: 64,
    description: 'the ETag of the version being changed, e.g. "3"'
  }))
})
