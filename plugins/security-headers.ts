import fp from 'fastify-plugin'
import helmet from '@fastify/helmet'
import type { FastifyInstance } from 'fastify'
import type { AppOptions } from '../src/app-options.js'
import { API_HELMET_OPTIONS } from '../src/http/security-headers.js'

/**
 * Security headers on every response. The docs routes loosen the policy
 * only as far as Swagger UI needs (plugins/swagger.ts sets their
 * `config.helmet`).
 */
async function securityHeadersPlugin (fastify: FastifyInstance, _opts: AppOptions): Promise<void> {
  await fastify.register(helmet, API_HELMET_OPTIONS)
}

export default fp(securityHeadersPlugin, { name: 'security-headers' })
