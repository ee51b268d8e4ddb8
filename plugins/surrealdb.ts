import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Surreal } from 'surrealdb'
import type { AppOptions } from '../src/app-options.js'
import { loadAccessKey } from '../src/db/access-key.js'
import { closeConnection, openConnection } from '../src/db/connection.js'
import { migrate } from '../src/db/migrations.js'
import { createProvisioner } from '../src/db/provisioning.js'
import { UserSessions, type UserQueries } from '../src/db/user-sessions.js'

declare module 'fastify' {
  interface FastifyInstance {
    userSessions: UserSessions
  }
  interface FastifyRequest {
    /**
     * Runs `work` in a SurrealDB session authenticated as the caller, after
     * provisioning the caller's user record when due.
     */
    withUserDb<T> (work: (queries: UserQueries) => Promise<T>): Promise<T>
  }
}

async function openOwnConnection (fastify: FastifyInstance, opts: AppOptions): Promise<Surreal> {
  const { env } = opts.settings
  const db = await openConnection({
    url: env.SURREAL_URL,
    namespace: env.SURREAL_NAMESPACE,
    database: env.SURREAL_DATABASE,
    username: env.SURREAL_USERNAME,
    password: env.SURREAL_PASSWORD,
    connectTimeoutMs: env.SURREAL_CONNECT_TIMEOUT_MS
  })
  fastify.addHook('onClose', async () => { await closeConnection(db) })
  return db
}

async function surrealdbPlugin (fastify: FastifyInstance, opts: AppOptions): Promise<void> {
  const { env } = opts.settings
  const inMemory = env.SURREAL_URL.startsWith('mem://')
  const accessKey = await loadAccessKey({
    configuredPem: env.SURREAL_ACCESS_KEY,
    dataDir: inMemory ? undefined : env.DATA_DIR
  })
  const db = opts.database ?? await openOwnConnection(fastify, opts)

  const applied = await migrate(db, accessKey.publicKeyPem)
  fastify.log.info({ applied }, 'database schema up to date')

  const sessions = new UserSessions(db, {
    namespace: env.SURREAL_NAMESPACE,
    database: env.SURREAL_DATABASE,
    accessKey
  })
  const provisionIfDue = createProvisioner()

  fastify.decorate('userSessions', sessions)
  fastify.decorateRequest('withUserDb', function withUserDb<T> (
    this: FastifyRequest,
    work: (queries: UserQueries) => Promise<T>
  ): Promise<T> {
    const identity = this.auth
    return sessions.run(identity, async (queries) => {
      await provisionIfDue(queries, identity)
      return await work(queries)
    })
  })
}

export default fp(surrealdbPlugin, { name: 'surrealdb' })
