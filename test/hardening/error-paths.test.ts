import t from 'tap'
import type { Surreal } from 'surrealdb'
import { openConnection } from '../../src/db/connection.js'
import { bearer } from '../helper.js'
import { buildWithLogs } from './support.js'

async function openDatabase (t: { teardown (fn: () => unknown): void }): Promise<Surreal> {
  const db = await openConnection({ url: 'mem://', namespace: 'app', database: 'main', connectTimeoutMs: 10_000 })
  t.teardown(() => db.close().catch(() => {}))
  return db
}

function parse (lines: string[]): Array<Record<string, unknown>> {
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>)
}

t.test('answers 503 DB_UNAVAILABLE, not 500, when the database goes away under a running app', async (t) => {
  const db = await openDatabase(t)
  const { app, issuer, lines } = await buildWithLogs(t, {}, db)
  const token = await issuer.sign({ claims: { sub: 'auth0|outage' } })
  const before = await app.inject({ url: '/v1/me', headers: bearer(token) })
  await db.close()

  const during = await app.inject({ url: '/v1/me', headers: { ...bearer(token), 'x-request-id': 'outage-req-1' } })
  const ready = await app.inject({ url: '/readyz' })
  const alive = await app.inject({ url: '/healthz' })

  t.equal(before.statusCode, 200)
  t.equal(during.statusCode, 503)
  t.equal(during.json().code, 'DB_UNAVAILABLE')
  t.ok(Number(during.headers['retry-after']) > 0)
  t.equal(ready.statusCode, 503, 'readiness fails')
  t.equal(alive.statusCode, 200, 'liveness still answers')
  const logged = parse(lines).find((line) => line.reqId === 'outage-req-1' && line.level === 50)
  t.ok(logged, 'the outage is logged at error level with the incoming request id')
  t.notOk(lines.join('\n').includes(token.split('.')[2] as string), 'no token in any log line')
})

t.test('logs error paths with request ids and never the token, cookie or query token', async (t) => {
  const { app, issuer, lines } = await buildWithLogs(t)
  const token = await issuer.sign({ claims: { sub: 'auth0|logs' } })
  const expired = await issuer.sign({ claims: { exp: Math.floor(Date.now() / 1000) - 3600 } })
  const forged = token.slice(0, -6) + 'AAAAAA'

  await app.inject({ url: '/v1/me', headers: { ...bearer(expired), cookie: 'session=cookie-secret-1' } })
  await app.inject({ url: '/v1/me', headers: { ...bearer(forged), 'x-request-id': 'forged-req-1' } })
  await app.inject({ url: `/v1/me?access_token=${token}` })
  await app.inject({ url: '/v1/me?debug=1', headers: bearer(token) })
  await app.inject({ method: 'POST', url: '/v1/documents', headers: { ...bearer(token), 'content-type': 'application/json' }, payload: '{' })
  await app.inject({ url: '/v1/me', headers: { ...bearer(token), 'x-request-id': 'bad id\nforged' } })

  const text = lines.join('\n')
  const entries = parse(lines)
  for (const secret of [token, expired, forged]) {
    t.notOk(text.includes(secret.split('.')[1] as string), 'no token payload in any log line')
    t.notOk(text.includes(secret.split('.')[2] as string), 'no token signature in any log line')
  }
  t.notOk(text.includes('cookie-secret-1'), 'no cookie in any log line')
  t.ok(entries.some((entry) => entry.reqId === 'forged-req-1'), 'a well-formed x-request-id is kept')
  t.notOk(entries.some((entry) => String(entry.reqId).includes('forged\n') || entry.reqId === 'bad id\nforged'),
    'a malformed x-request-id is replaced')
  t.ok(entries.every((entry) => typeof entry.reqId === 'string' || entry.req === undefined), 'request lines carry ids')
})
