import { Type, type Static } from 'typebox'

export const ErrorSchema = Type.Object({
  statusCode: Type.Integer({ minimum: 400, maximum: 599 }),
  code: Type.String({ description: 'stable machine-readable code, e.g. AUTH_TOKEN_INVALID' }),
  error: Type.String({ description: 'HTTP reason phrase' }),
  message: Type.String({ description: 'human-readable explanation, safe to show' })
}, { $id: 'Error', description: 'The one shape of every error response' })

export type ErrorBody = Static<typeof ErrorSchema>

export const ErrorRef = Type.Ref('Error')

export const SHARED_SCHEMAS = [ErrorSchema]
