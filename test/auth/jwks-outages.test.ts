import t from 'tap'
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { bearer, build, buildIssuer } from '../helper.js'
import { createSigningKey } from '../support/issuer.js'
import { assertErrorShape, assertInvalidToken } from './support/tokens.js'

function percentile (values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] as number
}

t.test('accepts every key the issuer publishes right after start-up', async (t) => {
  const issuer = await buildIssuer(t, { keyIds: ['key-1', 'key-2'] })
  const { app } = await build(t, { issuer })

  const first = await app.inject({ url: '/v1/me', headers: bearer(await issuer.sign({ key: issuer.keys[0] })) })
  const second = await app.inject({ url: '/v1/me', headers: bearer(await issuer.sign({ key: issuer.keys[1] })) })

  t.equal(first.statusCode, 200, first.body)
  t.equal(second.statusCode, 200, second.body)
  // get-jwks returns one key per fetch, so each kid costs one fetch at most.
  t.ok(issuer.jwksGets() <= 2, `JWKS GETs: ${issuer.jwksGets()}`)
})

t.test('C03: a storm of random kids gets 401 without hammering the issuer', async (t) => {
  const { app, issuer } = await build(t)
  const other = await createSigningKey('other')
  const valid = await issuer.sign()
  const warm = await app.inject({ url: '/v1/me', headers: bearer(valid) })
  const getsBefore = issuer.jwksGets()
  const storm: Array<Promise<{ statusCode: number, body: string, headers: Record<string, unknown> }>> = []
  const validLatencies: number[] = []
  const validStatuses: Array<Promise<number>> = []

  for (let i = 0; i < 50; i++) {
    const token = await issuer.sign({ key: { ...other, kid: `kid-${randomUUID()}` } })
    storm.push(app.inject({ url: '/v1/me', headers: bearer(token) }))
    if (i % 5 === 0) {
      const started = performance.now()
      validStatuses.push(app.inject({ url: '/v1/me', headers: bearer(valid) }).then((response) => {
        validLatencies.push(performance.now() - started)
        return response.statusCode
      }))
    }
    await sleep(50)
  }
  const answers = await Promise.all(storm)
  const statuses = await Promise.all(validStatuses)

  t.equal(warm.statusCode, 200)
  for (const answer of answers) assertInvalidToken(t, answer as never)
  t.ok(issuer.jwksGets() - getsBefore <= 2, `extra JWKS GETs: ${issuer.jwksGets() - getsBefore}`)
  t.same(statuses, statuses.map(() => 200), 'interleaved key-1 requests keep working')
  t.comment(`key-1 latency during the storm: p95 ${percentile(validLatencies, 0.95).toFixed(1)} ms`)
})

t.test('C05: a JWKS endpoint that never answers on a cold cache', async (t) => {
  const issuer = await buildIssuer(t)
  const { app } = await build(t, { issuer })
  issuer.state = 'black-hole'
  const token = await issuer.sign()
  const started = Date.now()

  const pending = Promise.all([1, 2, 3].map(() => app.inject({ url: '/v1/me', headers: bearer(token) })))
  await sleep(100)
  const healthStarted = Date.now()
  const health = await app.inject({ url: '/healthz' })
  const healthMs = Date.now() - healthStarted
  const answers = await pending
  const elapsedMs = Date.now() - started

  t.equal(health.statusCode, 200)
  t.ok(healthMs < 1_000, `GET /healthz answered in ${healthMs} ms meanwhile`)
  for (const answer of answers) {
    assertErrorShape(t, answer, 503)
    t.equal(answer.json().code, 'AUTH_KEYS_UNAVAILABLE')
    t.equal(answer.headers['retry-after'], '5')
  }
  t.ok(elapsedMs < 10_000, `answered in ${elapsedMs} ms`)
  t.equal(issuer.jwksGets(), 1, 'one fetch shared by the waiting requests')
})

t.test('C05 phase 2: a failed fetch is not remembered once the issuer recovers', async (t) => {
  const issuer = await buildIssuer(t)
  const { app } = await build(t, { issuer })
  const token = await issuer.sign()
  issuer.state = 'fail'

  const failed = await app.inject({ url: '/v1/me', headers: bearer(token) })
  issuer.state = 'healthy'
  await sleep(2_000)
  const recovered = await app.inject({ url: '/v1/me', headers: bearer(token) })

  assertErrorShape(t, failed, 503)
  t.equal(failed.headers['retry-after'], '5')
  t.equal(recovered.statusCode, 200, recovered.body)
  t.equal(issuer.jwksGets(), 2)
})

t.test('C05 phase 2: a key set that is not JSON gets 503, never 500', async (t) => {
  const issuer = await buildIssuer(t)
  const { app } = await build(t, { issuer })
  issuer.state = 'invalid-json'

  const response = await app.inject({ url: '/v1/me', headers: bearer(await issuer.sign()) })

  assertErrorShape(t, response, 503)
  t.equal(response.json().code, 'AUTH_KEYS_UNAVAILABLE')
})

t.test('C05 phase 3: cached keys keep working while the JWKS endpoint is down', async (t) => {
  const issuer = await buildIssuer(t)
  const { app } = await build(t, { issuer })
  const token = await issuer.sign()
  const newKey = await createSigningKey('key-new')

  const warm = await app.inject({ url: '/v1/me', headers: bearer(token) })
  issuer.state = 'black-hole'
  const started = Date.now()
  const cached = await app.inject({ url: '/v1/me', headers: bearer(token) })
  const unknown = await app.inject({ url: '/v1/me', headers: bearer(await issuer.sign({ key: newKey })) })
  const elapsedMs = Date.now() - started

  t.equal(warm.statusCode, 200)
  t.equal(cached.statusCode, 200, cached.body)
  assertInvalidToken(t, unknown)
  t.ok(elapsedMs < 5_000, `answered in ${elapsedMs} ms`)
})
