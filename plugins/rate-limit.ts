import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import type { AppOptions } from '../src/app-options.js'
import { RateLimitExceededError } from '../src/errors.js'

// Probes must keep answering while a client is being throttled.
const EXEMPT_ROUTES = new Set(['/healthz', '/readyz'])

interface LimitState {
  max?: number
  remaining?: number
  ttlInSeconds?: number
  isExceeded?: boolean
}

type Limiter = (request: FastifyRequest, options?: { increment?: boolean }) => Promise<LimitState>

function isExempt (request: FastifyRequest): boolean {
  return request.routeOptions.config?.rateLimit === false
}

// Marked on the route itself, so the OpenAPI document does not list 429.
function exemptProbes (route: RouteOptions): void {
  if (!EXEMPT_ROUTES.has(route.url)) return
  route.config = { ...route.config, rateLimit: false }
}

function hasAuthorization (request: FastifyRequest): boolean {
  return request.headers.authorization !== undefined
}

// Header names of the IETF RateLimit draft, as @fastify/rate-limit's
// enableDraftSpec writes them.
function setLimitHeaders (reply: FastifyReply, state: LimitState): void {
  reply.header('ratelimit-limit', state.max)
  reply.header('ratelimit-remaining', state.remaining)
  reply.header('ratelimit-reset', state.ttlInSeconds)
}

function refuse (reply: FastifyReply, state: LimitState): never {
  setLimitHeaders(reply, { ...state, remaining: 0 })
  reply.header('retry-after', state.ttlInSeconds)
  throw new RateLimitExceededError(String(state.ttlInSeconds))
}

/**
 * Two buckets. A caller with a verified token is limited by its `sub`, after
 * authentication (preHandler), so users behind one address do not share a
 * limit. Requests that end without a verified identity (no token, a rejected
 * token, public routes) count against the client address; once that bucket
 * is spent, such requests get 429 before any token work is done, and a
 * request with a token from that address is answered 429 unless the token
 * verifies.
 *
 * Limitation: counters live in this process. With several instances behind
 * a load balancer each keeps its own, so the effective limit is the
 * configured one times the instance count unless a shared store is set up.
 */
async function rateLimitPlugin (fastify: FastifyInstance, opts: AppOptions): Promise<void> {
  const { env } = opts.settings
  fastify.addHook('onRoute', exemptProbes)
  await fastify.register(rateLimit, { global: false })

  const checkUser = fastify.createRateLimit({
    max: env.RATE_LIMIT_MAX,
    timeWindow: env.RATE_LIMIT_WINDOW,
    keyGenerator: (request) => `sub:${request.auth.sub}`
  }) as Limiter
  const checkAddress = fastify.createRateLimit({
    max: env.RATE_LIMIT_ANON_MAX,
    timeWindow: env.RATE_LIMIT_WINDOW,
    keyGenerator: (request) => `ip:${request.ip}`
  }) as Limiter

  async function verifiesAsUser (request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    try {
      await fastify.authenticate(request, reply, () => {})
      return true
    } catch {
      return false
    }
  }

  fastify.addHook('onRequest', async (request, reply) => {
    if (isExempt(request)) return

    const state = await checkAddress(request, { increment: false })
    if ((state.remaining ?? 1) > 0) return
    if (hasAuthorization(request) && await verifiesAsUser(request, reply)) return

    request.log.info({ limit: 'address' }, 'rate limit exceeded')
    refuse(reply, state)
  })

  fastify.addHook('preHandler', async (request, reply) => {
    if (isExempt(request) || !request.auth) return

    const state = await checkUser(request)
    if (state.isExceeded) {
      request.log.info({ limit: 'user', sub: request.auth.sub }, 'rate limit exceeded')
      refuse(reply, state)
    }
    setLimitHeaders(reply, state)
  })

  fastify.addHook('onResponse', async (request) => {
    if (isExempt(request) || request.auth) return
    await checkAddress(request)
  })
}

export default fp(rateLimitPlugin, { name: 'rate-limit', dependencies: ['auth'] })
