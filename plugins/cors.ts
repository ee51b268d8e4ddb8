import fp from 'fastify-plugin'
import cors from '@fastify/cors'
import type { FastifyInstance } from 'fastify'
import type { AppOptions } from '../src/app-options.js'
import { splitList } from '../src/config.js'

// Cached by browsers so a SPA does not send a preflight before every call.
const PREFLIGHT_MAX_AGE_SEC = 600

/**
 * CORS for the SPA origins named in CORS_ORIGINS, and for no one else. The
 * API reads bearer tokens, not cookies, so credentials stay off. With no
 * origins configured, no CORS header is ever sent and browsers on other
 * origins cannot read responses.
 */
async function corsPlugin (fastify: FastifyInstance, opts: AppOptions): Promise<void> {
  const origins = splitList(opts.settings.env.CORS_ORIGINS)
  if (origins.length === 0) return

  for (const origin of origins) {
    if (new URL(origin).origin !== origin) {
      throw new TypeError(`CORS_ORIGINS: ${origin} is not a bare origin such as https://app.example.com`)
    }
  }

  await fastify.register(cors, {
    origin: origins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
    exposedHeaders: [
      'WWW-Authenticate',
      'Retry-After',
      'RateLimit-Limit',
      'RateLimit-Remaining',
      'RateLimit-Reset',
      'X-Request-Id'
    ],
    credentials: false,
    maxAge: PREFLIGHT_MAX_AGE_SEC
  })
}

export default fp(corsPlugin, { name: 'cors' })
