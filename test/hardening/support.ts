import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Surreal } from 'surrealdb'
import app from '../../src/app.js'
import { buildSettings, loadEnv } from '../../src/config.js'
import { buildFastifyOptions } from '../../src/fastify-options.js'
import { buildLoggerOptions } from '../../src/logger.js'
import { buildIssuer, testEnv, type Tap } from '../helper.js'
import type { TestIssuer } from '../support/issuer.js'

/**
 * build() from the helper, with the app's real logger options writing to
 * memory instead of stdout, so a test can read every log line.
 */
export async function buildWithLogs (t: Tap, env: Record<string, string> = {}, database?: Surreal): Promise<{
  app: FastifyInstance
  issuer: TestIssuer
  lines: string[]
}> {
  const lines: string[] = []
  const stream = new Writable({
    write (chunk, _encoding, done) {
      lines.push(chunk.toString())
      done()
    }
  })
  const issuer = await buildIssuer(t)
  const settings = buildSettings(loadEnv(testEnv(issuer, { ...env, LOG_LEVEL: 'trace' })))
  const options = buildFastifyOptions('trace', settings.env)
  const instance = Fastify({ ...options, logger: { ...buildLoggerOptions('trace') as object, stream } })

  await instance.register(fp(app), { settings, database })
  t.teardown(() => instance.close())
  await instance.ready()
  return { app: instance, issuer, lines }
}
