import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { RETRY_AFTER_SEC } from '../src/errors.js'

const HealthSchema = Type.Object({
  status: Type.String(),
  checks: Type.Optional(Type.Object({
    database: Type.Boolean(),
    signingKeys: Type.Boolean()
  }))
})

export default async function healthRoutes (fastify: FastifyInstance): Promise<void> {
  fastify.get('/healthz', {
    schema: {
      tags: ['health'],
      summary: 'Liveness: the process is up',
      operationId: 'getHealth',
      response: { 200: HealthSchema }
    }
  }, async () => ({ status: 'ok' }))

  fastify.get('/readyz', {
    schema: {
      tags: ['health'],
      summary: 'Readiness: SurrealDB answers a per-user session and signing keys are reachable',
      operationId: 'getReadiness',
      response: { 200: HealthSchema, 503: HealthSchema }
    }
  }, async (request, reply) => {
    const [database, signingKeys] = await Promise.all([
      fastify.userSessions.probe().catch((err) => {
        request.log.warn({ err }, 'readiness database probe failed')
        return false
      }),
      fastify.signingKeys.hasKeys() || fastify.signingKeys.probe()
    ])
    const ready = database && signingKeys

    if (!ready) reply.code(503).header('retry-after', RETRY_AFTER_SEC)
    return { status: ready ? 'ready' : 'unavailable', checks: { database, signingKeys } }
  })
}
