import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import type { Surreal } from 'surrealdb'
import { build, type Tap } from '../helper.js'
import type { TestIssuer } from '../support/issuer.js'

/** build() with every log line (at trace level) kept in memory for the test to read. */
export async function buildWithLogs (t: Tap, env: Record<string, string> = {}, database?: Surreal): Promise<{
  app: FastifyInstance
  issuer: TestIssuer
  lines: string[]
}> {
  const lines: string[] = []
  const logStream = new Writable({
    write (chunk, _encoding, done) {
      lines.push(chunk.toString())
      done()
    }
  })
  const { app, issuer } = await build(t, { env: { ...env, LOG_LEVEL: 'trace' }, logStream, database })
  return { app, issuer, lines }
}
