import type { FastifyInstance } from 'fastify'

// Everything under /v1 needs a verified access token.
export default async function v1Hooks (fastify: FastifyInstance): Promise<void> {
  fastify.addHook('onRequest', fastify.authenticate)
}
