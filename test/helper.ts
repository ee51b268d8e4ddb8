import tap from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { DestinationStream } from 'pino'
import app from '../src/app.js'
import type { AppOptions } from '../src/app-options.js'
import { buildSettings, loadEnv } from '../src/config.js'
import { buildFastifyOptions } from '../src/fastify-options.js'
import { startIssuer, TEST_AUDIENCE, TEST_NAMESPACE, type TestIssuer } from './support/issuer.js'

export { TEST_AUDIENCE, TEST_NAMESPACE }

// Once a table has an index, the embedded engine keeps the process alive
// after close(). Each test file ends its own process when its tests are
// done; the server does the same after a graceful shutdown.
tap.teardown(() => { process.exit() })

export interface Tap {
  teardown (fn: () => unknown): void
}

export interface BuildOptions {
  issuer?: TestIssuer
  env?: Record<string, string | undefined>
  clock?: () => number
  policy?: AppOptions['policy']
  /** Where the app's pino lines go; set LOG_LEVEL in env to see them. */
  logStream?: DestinationStream
  /** Where the development issuer is served; pass env AUTH0_ISSUER: undefined to use it. */
  devIssuerUrl?: string
  /** An open SurrealDB connection for the app to use (the test keeps the system session). */
  database?: AppOptions['database']
}

export function testEnv (issuer: TestIssuer, env: Record<string, string | undefined> = {}) {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    SURREAL_URL: 'mem://',
    AUTH0_ISSUER: issuer.url,
    AUTH0_AUDIENCE: TEST_AUDIENCE,
    AUTH0_CLAIMS_NAMESPACE: TEST_NAMESPACE,
    // Load shedding stays off unless a test is about it: on a busy machine the
    // first event-loop samples after start-up can exceed the limit, and an
    // unrelated 503 SERVER_OVERLOADED would fail the test.
    MAX_EVENT_LOOP_DELAY_MS: '0',
    ...env
  }
}

/** Starts a local issuer for the test and closes it afterwards. */
export async function buildIssuer (t: Tap, options?: Parameters<typeof startIssuer>[0]): Promise<TestIssuer> {
  const issuer = await startIssuer(options)
  t.teardown(() => issuer.close())
  return issuer
}

/**
 * Builds the whole app against a real local issuer and the embedded
 * in-memory SurrealDB. Registered with fastify-plugin so that decorators
 * are visible to the test.
 */
export async function build (t: Tap, options: BuildOptions = {}): Promise<{ app: FastifyInstance, issuer: TestIssuer }> {
  const issuer = options.issuer ?? await buildIssuer(t)
  const settings = buildSettings(loadEnv(testEnv(issuer, options.env)), options.devIssuerUrl)
  const instance = Fastify(withLogStream(buildFastifyOptions(settings.env.LOG_LEVEL, settings.env), options.logStream))

  await instance.register(fp(app), {
    settings,
    clock: options.clock,
    policy: options.policy,
    database: options.database
  })
  t.teardown(() => instance.close())
  await instance.ready()
  return { app: instance, issuer }
}

function withLogStream<T extends { logger?: unknown }> (fastifyOptions: T, stream?: DestinationStream): T {
  if (!stream) return fastifyOptions
  return { ...fastifyOptions, logger: { ...(fastifyOptions.logger as object), stream } }
}

export function bearer (token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` }
}
