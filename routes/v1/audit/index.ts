import type { FastifyInstance } from 'fastify'
import { PERMISSIONS } from '../../../src/auth/policy.js'
import { listAudit } from '../../../src/db/audit.js'
import { ErrorRef } from '../../../src/schemas/common.js'
import { AuditListQuerySchema, AuditListSchema, type AuditListQuery } from '../../../src/schemas/audit.js'

export default async function auditRoutes (fastify: FastifyInstance): Promise<void> {
  fastify.get<{ Querystring: AuditListQuery }>('/', {
    config: { access: { permissions: [PERMISSIONS.admin] } },
    schema: {
      tags: ['audit'],
      summary: 'Audit trail of document and team changes and denied writes, newest first (admin)',
      operationId: 'listAudit',
      querystring: AuditListQuerySchema,
      response: { 200: AuditListSchema, 400: ErrorRef, 401: ErrorRef, 403: ErrorRef, 503: ErrorRef }
    }
  }, async (request) => {
    return await request.withUserDb((queries) => listAudit(queries, request.query))
  })
}
