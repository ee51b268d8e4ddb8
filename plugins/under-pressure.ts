import fp from 'fastify-plugin'
import underPressure from '@fastify/under-pressure'
import type { FastifyInstance, RouteOptions } from 'fastify'
import type { AppOptions } from '../src/app-options.js'
import { ServerOverloadedError } from '../src/errors.js'

// How often the event-loop delay is sampled.
const SAMPLE_INTERVAL_MS = 250

// under-pressure reports an interval with no delay sample at all as an
// infinite delay; that happens when its own timer and the sampler were held
// up by the same pause, and the next interval measures the pause for real.
// Refusing traffic on it turned one slow close() into a burst of 503s.
async function refuseWhenOverloaded (_request: unknown, _reply: unknown, _type: string, value?: number) {
  if (value === undefined || Number.isFinite(value)) throw new ServerOverloadedError()
}

/**
 * Answers 503 SERVER_OVERLOADED with Retry-After while the event loop is
 * saturated, so a burst sheds load instead of queueing requests until
 * clients time out. Liveness (/healthz) keeps answering: a busy process is
 * not a dead one, and restarting it would only lose capacity.
 */
async function underPressurePlugin (fastify: FastifyInstance, opts: AppOptions): Promise<void> {
  const maxDelayMs = opts.settings.env.MAX_EVENT_LOOP_DELAY_MS
  if (maxDelayMs === 0) return

  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (route.url !== '/healthz') return
    route.config = { ...route.config, pressureHandler: () => {} } as RouteOptions['config']
  })

  await fastify.register(underPressure, {
    maxEventLoopDelay: maxDelayMs,
    sampleInterval: SAMPLE_INTERVAL_MS,
    pressureHandler: refuseWhenOverloaded,
    exposeStatusRoute: false
  })
}

export default fp(underPressurePlugin, { name: 'under-pressure' })
