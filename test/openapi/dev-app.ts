import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { build, type Tap } from '../helper.js'
import { devIssuerUrl } from '../../src/dev-issuer/issuer.js'

const HOST = '127.0.0.1'

async function findFreePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/**
 * The app with its built-in development issuer, listening on 127.0.0.1:
 * the issuer's JWKS is fetched over HTTP from the app itself, so the port
 * must be known before the app is built.
 */
export async function buildDevApp (t: Tap, dataDir: string): Promise<{ app: FastifyInstance, baseUrl: string }> {
  const port = await findFreePort()
  const { app } = await build(t, {
    devIssuerUrl: devIssuerUrl(HOST, port),
    // Load shedding off: a busy machine must not turn these requests into 503s.
    env: { AUTH0_ISSUER: undefined, AUTH0_AUDIENCE: undefined, DATA_DIR: dataDir, MAX_EVENT_LOOP_DELAY_MS: '0' }
  })

  await app.listen({ host: HOST, port })
  return { app, baseUrl: `http://${HOST}:${port}` }
}
