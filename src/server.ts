import { setTimeout as sleep } from 'node:timers/promises'
import Fastify, { type FastifyInstance } from 'fastify'
import closeWithGrace from 'close-with-grace'
import app from './app.js'
import { buildSettings, ConfigError, loadEnv, type Settings } from './config.js'
import { buildTokenCommand, devIssuerUrl } from './dev-issuer/issuer.js'
import { RETRY_AFTER_SEC } from './errors.js'
import { buildFastifyOptions } from './fastify-options.js'

const CLOSE_GRACE_MS = 10_000

function loadSettingsOrExit () {
  try {
    const env = loadEnv(process.env, true)
    return buildSettings(env, devIssuerUrl(env.HOST, env.PORT))
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    console.error(`configuration error: ${err.message}`)
    process.exit(1)
  }
}

async function start (): Promise<void> {
  const settings = loadSettingsOrExit()
  const fastify = Fastify(buildFastifyOptions(settings.env.LOG_LEVEL, settings.env))

  const drain = createDrain(fastify)

  closeWithGrace({ delay: CLOSE_GRACE_MS }, async ({ signal, err }) => {
    if (err) fastify.log.error({ err }, 'closing after an error')
    else fastify.log.info({ signal }, 'shutting down')
    if (!err) await drain(settings.env.SHUTDOWN_DRAIN_MS)
    await fastify.close()
  })

  try {
    await fastify.register(app, { settings })
    await fastify.listen({ host: settings.env.HOST, port: settings.env.PORT })
  } catch (err) {
    exitAfterStartupFailure(fastify, err as Error)
  }

  // The app is encapsulated, so its decorations (fastify.devIssuer) are not
  // visible here; the settings say whether the development issuer runs.
  if (settings.devIssuer) logDevIssuerHelp(fastify.log, settings)
}

// Closing the listener while clients hold keep-alive connections races
// with their next request, which then meets a reset. For a short while
// every response says Connection: close instead, so clients (and load
// balancers) move off on their own; requests in flight when close() comes
// are still finished before SurrealDB is closed.
function createDrain (fastify: FastifyInstance) {
  let draining = false
  fastify.addHook('onSend', async (_request, reply) => {
    if (draining) reply.header('connection', 'close')
  })
  // Readiness fails at once, so a load balancer stops sending new work.
  fastify.addHook('onRequest', async (request, reply) => {
    if (!draining || request.routeOptions.url !== '/readyz') return
    await reply.code(503).header('retry-after', RETRY_AFTER_SEC).send({ status: 'draining' })
  })
  return async function drain (ms: number): Promise<void> {
    draining = true
    await sleep(ms)
  }
}

// One plain line on stderr as well as the JSON log, so that a failed start
// reads clearly in a terminal or `docker logs` whatever LOG_LEVEL is. The
// exit does not wait for close(): a half-opened engine may never settle, and
// the embedded one keeps the process alive after close() anyway.
function exitAfterStartupFailure (fastify: FastifyInstance, err: Error): never {
  fastify.log.fatal({ err: { message: err.message } }, 'start-up failed')
  console.error(`start-up failed: ${err.message}`)
  process.exit(1)
}

function logDevIssuerHelp (log: { info: (obj: object, msg: string) => void }, settings: Settings): void {
  const api = settings.issuer.replace(/dev\/$/, '')
  const defaults = loadEnv({})
  const getToken = buildTokenCommand(settings.env, defaults, '--sub "auth0|alice" --email alice@example.test --roles user')
  const mint = buildTokenCommand(settings.env, defaults, "--sub 'auth0|alice'")
  log.info({
    issuer: settings.issuer,
    getToken,
    tryIt: `curl -H "Authorization: Bearer $(${mint})" ${api}v1/me`
  }, 'development issuer active: no Auth0 tenant configured')
}

await start()
