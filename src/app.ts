import { join } from 'node:path'
import autoload from '@fastify/autoload'
import type { FastifyInstance } from 'fastify'
import type { AppOptions } from './app-options.js'
import { buildErrorHandler, handleNotFound } from './error-handler.js'
import { SHARED_SCHEMAS } from './schemas/common.js'

export type { AppOptions } from './app-options.js'

const ROOT = join(import.meta.dirname, '..')

/** The whole API as one plugin: server.ts and the tests register it the same way. */
export default async function app (fastify: FastifyInstance, opts: AppOptions): Promise<void> {
  for (const schema of SHARED_SCHEMAS) fastify.addSchema(schema)

  fastify.setErrorHandler(buildErrorHandler(opts.settings.audiences[0] ?? 'api'))
  fastify.setNotFoundHandler(handleNotFound)

  await fastify.register(autoload, {
    dir: join(ROOT, 'plugins'),
    options: opts
  })
  await fastify.register(autoload, {
    dir: join(ROOT, 'routes'),
    autoHooks: true,
    cascadeHooks: true,
    options: opts
  })
}
