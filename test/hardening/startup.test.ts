import t from 'tap'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildIssuer, TEST_AUDIENCE } from '../helper.js'
import { spawnServer, stopIfRunning } from './server-process.js'

const STARTUP_BUDGET_MS = 15_000

async function scratchDir (t: { teardown (fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'api-startup-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

// A port that was just free: nothing listens on it during the test.
async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

t.test('refuses to start in production without Auth0 and SurrealDB server settings', async (t) => {
  const cwd = await scratchDir(t)
  const server = spawnServer({ cwd, env: { NODE_ENV: 'production' } })
  t.teardown(() => stopIfRunning(server))

  const code = await server.exited

  const stderr = server.stderr.join('').trim()
  t.not(code, 0)
  t.equal(stderr.split('\n').length, 1, 'one line')
  t.match(stderr, /^configuration error: .*AUTH0_DOMAIN or AUTH0_ISSUER is required/)
})

t.test('refuses to start in production with an embedded database', async (t) => {
  const cwd = await scratchDir(t)
  const server = spawnServer({
    cwd,
    env: {
      NODE_ENV: 'production',
      AUTH0_DOMAIN: 'tenant.example.test',
      AUTH0_AUDIENCE: TEST_AUDIENCE,
      SURREAL_URL: 'surrealkv://data/db'
    }
  })
  t.teardown(() => stopIfRunning(server))

  const code = await server.exited

  t.not(code, 0)
  t.match(server.stderr.join(''), /SURREAL_URL must be a ws:\/\/ or wss:\/\/ SurrealDB server/)
})

t.test('exits with a clear message when the SurrealDB server is unreachable', async (t) => {
  const cwd = await scratchDir(t)
  const issuer = await buildIssuer(t)
  const port = await closedPort()
  const accessKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const connectTimeoutMs = 1500
  const server = spawnServer({
    cwd,
    env: {
      // Node 20 has no global WebSocket without this flag (Node 22 does);
      // without it the SDK fails before it even dials.
      NODE_ENV: 'development',
      LOG_LEVEL: 'error',
      AUTH0_ISSUER: issuer.url,
      AUTH0_AUDIENCE: TEST_AUDIENCE,
      SURREAL_URL: `ws://127.0.0.1:${port}`,
      SURREAL_USERNAME: 'root',
      SURREAL_PASSWORD: 'secret-password',
      SURREAL_ACCESS_KEY: accessKey,
      SURREAL_CONNECT_TIMEOUT_MS: String(connectTimeoutMs)
    }
  })
  t.teardown(() => stopIfRunning(server))
  const startedAt = Date.now()

  const code = await server.exited

  const elapsedMs = Date.now() - startedAt
  const output = server.stderr.join('') + server.stdout.join('')
  t.equal(code, 1)
  t.match(server.stderr.join(''), /start-up failed: SurrealDB at ws:\/\/127\.0\.0\.1:\d+ .*(did not open within 1500 ms|failed to open)/)
  t.notOk(output.includes('secret-password'), 'the password is never printed')
  t.notOk(output.includes('PRIVATE KEY'), 'the access key is never printed')
  // Process start-up (tsx, imports) comes on top of the connect deadline.
  t.ok(elapsedMs < connectTimeoutMs + STARTUP_BUDGET_MS, `exited after ${elapsedMs} ms`)
})
