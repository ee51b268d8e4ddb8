/**
 * Bounded load test on loopback: many distinct users read and write their
 * documents at once through the real app (real token checks, real
 * per-user SurrealDB sessions). Every response is checked against its
 * caller, and every acknowledged write is read back at the end.
 *
 *   npm run load -- --duration 20 --connections 32 --users 200
 *   SURREAL_URL=surrealkv:///tmp/load/db npm run load
 *
 * Not part of `npm test`: it measures, and its figures depend on the machine.
 */
import { parseArgs } from 'node:util'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import app from '../src/app.js'
import { buildSettings, loadEnv } from '../src/config.js'
import { buildFastifyOptions } from '../src/fastify-options.js'
import { startIssuer, TEST_AUDIENCE, TEST_NAMESPACE, type TestIssuer } from '../test/support/issuer.js'

const WRITE_SHARE = 0.3
const PAGE_SIZE = 100

interface User {
  sub: string
  token: string
  acknowledged: Set<string>
  attempted: number
}

interface Tally {
  leaks: number
  badBodies: number
  statuses: Map<number, number>
}

interface Context {
  user?: User
  write?: boolean
}

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '15' },
    connections: { type: 'string', default: '32' },
    users: { type: 'string', default: '200' }
  }
})

async function startApp (issuer: TestIssuer, dataDir: string) {
  const settings = buildSettings(loadEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    SURREAL_URL: process.env.SURREAL_URL ?? 'mem://',
    DATA_DIR: dataDir,
    AUTH0_ISSUER: issuer.url,
    AUTH0_AUDIENCE: TEST_AUDIENCE,
    AUTH0_CLAIMS_NAMESPACE: TEST_NAMESPACE,
    RATE_LIMIT_MAX: '1000000',
    RATE_LIMIT_ANON_MAX: '1000000'
  }))
  const server = Fastify(buildFastifyOptions(settings.env.LOG_LEVEL, settings.env))
  await server.register(fp(app), { settings })
  await server.listen({ host: '127.0.0.1', port: 0 })
  return server
}

async function createUsers (issuer: TestIssuer, count: number): Promise<User[]> {
  const users: User[] = []
  for (let i = 0; i < count; i++) {
    const sub = `auth0|load-${String(i).padStart(5, '0')}`
    const token = await issuer.sign({
      claims: { sub, permissions: ['read:documents', 'write:own_documents'], amr: ['pwd', 'mfa'] }
    })
    users.push({ sub, token, acknowledged: new Set(), attempted: 0 })
  }
  return users
}

function pick<T> (items: T[]): T {
  return items[Math.floor(Math.random() * items.length)] as T
}

function buildRequests (users: User[], tally: Tally): autocannon.Request[] {
  return [{
    setupRequest (request, context: Context) {
      const user = pick(users)
      const write = Math.random() < WRITE_SHARE
      context.user = user
      context.write = write
      const headers = { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' }

      if (!write) return { ...request, method: 'GET', path: '/v1/documents?limit=20', headers, body: undefined }
      user.attempted++
      return {
        ...request,
        method: 'POST',
        path: '/v1/documents',
        headers,
        body: JSON.stringify({ title: `${user.sub} #${user.attempted}` })
      }
    },
    onResponse (status, body, context: Context) {
      tally.statuses.set(status, (tally.statuses.get(status) ?? 0) + 1)
      const user = context.user as User
      if (context.write) {
        if (status === 201) checkCreated(user, body, tally)
        return
      }
      if (status === 200) checkList(user, body, tally)
    }
  }]
}

function checkCreated (user: User, body: string, tally: Tally): void {
  const document = JSON.parse(body) as { id: string, owner: string, title: string }
  if (document.owner !== user.sub || !document.title.startsWith(`${user.sub} #`)) tally.leaks++
  if (user.acknowledged.has(document.id)) tally.badBodies++
  user.acknowledged.add(document.id)
}

function checkList (user: User, body: string, tally: Tally): void {
  const page = JSON.parse(body) as { items: Array<{ owner: string, title: string }> }
  if (!Array.isArray(page.items)) tally.badBodies++
  for (const item of page.items) {
    if (item.owner !== user.sub || !item.title.startsWith(`${user.sub} #`)) tally.leaks++
  }
}

async function listAll (origin: string, user: User): Promise<Array<{ id: string, title: string }>> {
  const items: Array<{ id: string, title: string }> = []
  let cursor: string | null = null
  do {
    const query: string = cursor ? `&cursor=${cursor}` : ''
    const response = await fetch(`${origin}/v1/documents?limit=${PAGE_SIZE}${query}`, {
      headers: { authorization: `Bearer ${user.token}` }
    })
    const page = await response.json() as { items: Array<{ id: string, title: string }>, next_cursor: string | null }
    items.push(...page.items)
    cursor = page.next_cursor
  } while (cursor)
  return items
}

async function verifyWrites (origin: string, users: User[]) {
  let lost = 0
  let duplicated = 0
  let unacknowledgedStored = 0

  for (const user of users) {
    const stored = await listAll(origin, user)
    const ids = new Set(stored.map((item) => item.id))
    const titles = new Set(stored.map((item) => item.title))
    for (const id of user.acknowledged) if (!ids.has(id)) lost++
    duplicated += stored.length - titles.size
    unacknowledgedStored += stored.filter((item) => !user.acknowledged.has(item.id)).length
  }
  return { lost, duplicated, unacknowledgedStored }
}

async function main (): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'api-load-'))
  const issuer = await startIssuer()
  const server = await startApp(issuer, dataDir)
  const address = server.server.address() as { port: number }
  const origin = `http://127.0.0.1:${address.port}`
  const users = await createUsers(issuer, Number(args.users))
  const tally: Tally = { leaks: 0, badBodies: 0, statuses: new Map() }

  const result = await autocannon({
    url: origin,
    connections: Number(args.connections),
    duration: Number(args.duration),
    requests: buildRequests(users, tally)
  })
  const writes = await verifyWrites(origin, users)
  const serverErrors = [...tally.statuses].filter(([status]) => status >= 500).reduce((sum, [, n]) => sum + n, 0)

  console.log(JSON.stringify({
    engine: process.env.SURREAL_URL ?? 'mem://',
    users: users.length,
    connections: Number(args.connections),
    durationSec: Number(args.duration),
    requests: result.requests.total,
    requestsPerSec: result.requests.average,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    statuses: Object.fromEntries(tally.statuses),
    errors: result.errors,
    timeouts: result.timeouts,
    serverErrors,
    crossUserLeaks: tally.leaks,
    badBodies: tally.badBodies,
    acknowledgedWrites: users.reduce((sum, user) => sum + user.acknowledged.size, 0),
    ...writes
  }, null, 2))

  await server.close()
  await issuer.close()
  await rm(dataDir, { recursive: true, force: true })
  const failed = serverErrors > 0 || tally.leaks > 0 || writes.lost > 0 || writes.duplicated > 0
  // The embedded engine keeps the process alive after close().
  process.exit(failed ? 1 : 0)
}

await main()
