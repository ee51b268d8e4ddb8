import t from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { Agent, request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { bearer, build, buildIssuer, TEST_AUDIENCE } from '../helper.js'
import { spawnServer, stopIfRunning, waitForPort } from './server-process.js'

const WRITERS = 8
const BURST_BEFORE_SIGNAL_MS = 700
const EXIT_DEADLINE_MS = 5_000
const PAGE_SIZE = 100
const READINESS_POLLS = 40
const READINESS_POLL_MS = 25

interface Outcome {
  status?: number
  id?: string
  error?: string
  closing?: boolean
}

function postDocument (port: number, agent: Agent, token: string, title: string): Promise<Outcome> {
  const payload = JSON.stringify({ title })
  return new Promise((resolve) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/v1/documents',
      agent,
      headers: { ...bearer(token), 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
    }, (res) => {
      let body = ''
      res.on('data', (chunk) => { body += chunk })
      res.on('end', () => {
        const id = res.statusCode === 201 ? JSON.parse(body).id as string : undefined
        resolve({ status: res.statusCode, id, closing: res.headers.connection === 'close' })
      })
      res.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }))
    })
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }))
    req.end(payload)
  })
}

// Each writer keeps one keep-alive connection busy, as a load balancer
// would, until the server answers Connection: close (it is draining) or
// stops answering; every answer is recorded.
async function writeUntilRefused (port: number, token: string, writer: number, outcomes: Outcome[]): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  for (let i = 0; ; i++) {
    const outcome = await postDocument(port, agent, token, `w${writer}-${i}`)
    outcomes.push(outcome)
    if (outcome.error !== undefined || outcome.status !== 201 || outcome.closing) break
  }
  agent.destroy()
}

// Readiness during the drain, asked on fresh connections until one says
// 503 or the listener is gone.
async function pollReadiness (port: number): Promise<number[]> {
  const statuses: number[] = []
  for (let i = 0; i < READINESS_POLLS; i++) {
    const status = await fetch(`http://127.0.0.1:${port}/readyz`, { headers: { connection: 'close' } })
      .then((response) => response.status, () => 0)
    statuses.push(status)
    if (status === 503 || status === 0) break
    await sleep(READINESS_POLL_MS)
  }
  return statuses
}

async function listAllIds (app: Awaited<ReturnType<typeof build>>['app'], token: string): Promise<string[]> {
  const ids: string[] = []
  let cursor: string | null = null
  do {
    const query: string = cursor ? `&cursor=${cursor}` : ''
    const response = await app.inject({ url: `/v1/documents?limit=${PAGE_SIZE}${query}`, headers: bearer(token) })
    const page = response.json() as { items: Array<{ id: string }>, next_cursor: string | null }
    ids.push(...page.items.map((item) => item.id))
    cursor = page.next_cursor
  } while (cursor)
  return ids
}

t.test('SIGTERM during a burst of writes loses no acknowledged write and resets no connection (C21)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'api-shutdown-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const issuer = await buildIssuer(t)
  const token = await issuer.sign({ claims: { sub: 'auth0|writer', permissions: ['read:documents', 'write:own_documents'], amr: ['pwd', 'mfa'] } })
  const env = {
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    AUTH0_ISSUER: issuer.url,
    AUTH0_AUDIENCE: TEST_AUDIENCE,
    SURREAL_URL: `surrealkv://${join(dir, 'db')}`,
    DATA_DIR: dir,
    RATE_LIMIT_MAX: '100000'
  }
  const server = spawnServer({ cwd: dir, env })
  t.teardown(() => stopIfRunning(server))
  const port = await waitForPort(server)

  const outcomes: Outcome[] = []
  const writers = Array.from({ length: WRITERS }, (_, writer) => writeUntilRefused(port, token, writer, outcomes))
  await sleep(BURST_BEFORE_SIGNAL_MS)
  const readyBefore = (await fetch(`http://127.0.0.1:${port}/readyz`, { headers: { connection: 'close' } })).status
  const signalledAt = Date.now()
  server.child.kill('SIGTERM')
  const readiness = await pollReadiness(port)
  await Promise.all(writers)
  const code = await server.exited
  const exitMs = Date.now() - signalledAt

  const acknowledged = outcomes.filter((outcome) => outcome.status === 201).map((outcome) => outcome.id as string)
  const errors = outcomes.filter((outcome) => outcome.error !== undefined).map((outcome) => outcome.error)
  const { app } = await build(t, { issuer, env: { SURREAL_URL: env.SURREAL_URL, DATA_DIR: dir, RATE_LIMIT_MAX: '100000' } })
  const stored = await listAllIds(app, token)

  t.comment(`outcomes other than 201: ${JSON.stringify(outcomes.filter((outcome) => outcome.status !== 201))}`)
  t.equal(code, 0, 'the process exits cleanly')
  t.equal(readyBefore, 200, 'ready before the signal')
  t.ok(readiness.includes(503), `readiness fails while draining (${readiness.join(',')})`)
  t.ok(exitMs < EXIT_DEADLINE_MS, `exited ${exitMs} ms after SIGTERM`)
  t.ok(acknowledged.length > WRITERS, `${acknowledged.length} writes acknowledged before and during shutdown`)
  t.notOk(errors.includes('ECONNRESET'), `no connection reset (errors: ${[...new Set(errors)].join(',') || 'none'})`)
  t.notOk(outcomes.some((outcome) => outcome.status !== undefined && outcome.status >= 500 && outcome.status !== 503),
    'no 5xx other than 503 while closing')
  t.same(stored.filter((id) => acknowledged.includes(id)).length, acknowledged.length,
    'every acknowledged write is in the database after restart')
  t.equal(new Set(stored).size, stored.length, 'no duplicates')
  t.equal(stored.length, acknowledged.length, 'nothing unacknowledged was stored')
  t.notOk(server.stdout.join('').includes(token.split('.')[2] as string), 'the token never reaches a log line')
})
