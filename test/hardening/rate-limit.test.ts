import t from 'tap'
import { bearer, build } from '../helper.js'
import { buildWithLogs } from './support.js'

const TIGHT = { RATE_LIMIT_MAX: '3', RATE_LIMIT_ANON_MAX: '3', RATE_LIMIT_WINDOW: '1 minute' }

t.test('answers 429 with RateLimit headers and Retry-After once a user spends the limit', async (t) => {
  const { app, issuer } = await build(t, { env: TIGHT })
  const token = await issuer.sign({ claims: { sub: 'auth0|busy' } })

  const allowed = []
  for (let i = 0; i < 3; i++) allowed.push(await app.inject({ url: '/v1/me', headers: bearer(token) }))
  const refused = await app.inject({ url: '/v1/me', headers: bearer(token) })

  t.same(allowed.map((response) => response.statusCode), [200, 200, 200])
  t.equal(allowed[0]?.headers['ratelimit-limit'], '3')
  t.equal(allowed[0]?.headers['ratelimit-remaining'], '2')
  t.equal(refused.statusCode, 429)
  t.equal(refused.json().code, 'RATE_LIMIT_EXCEEDED')
  t.equal(refused.headers['ratelimit-limit'], '3')
  t.equal(refused.headers['ratelimit-remaining'], '0')
  t.ok(Number(refused.headers['retry-after']) > 0, 'Retry-After is a positive number of seconds')
  t.ok(Number(refused.headers['ratelimit-reset']) > 0)
})

t.test('keeps a separate bucket for each user', async (t) => {
  const { app, issuer } = await build(t, { env: TIGHT })
  const alice = await issuer.sign({ claims: { sub: 'auth0|alice' } })
  const bob = await issuer.sign({ claims: { sub: 'auth0|bob' } })

  for (let i = 0; i < 4; i++) await app.inject({ url: '/v1/me', headers: bearer(alice) })
  const aliceAgain = await app.inject({ url: '/v1/me', headers: bearer(alice) })
  const bobFirst = await app.inject({ url: '/v1/me', headers: bearer(bob) })

  t.equal(aliceAgain.statusCode, 429)
  t.equal(bobFirst.statusCode, 200)
})

t.test('limits requests without a valid token per client address', async (t) => {
  const { app, issuer } = await build(t, { env: TIGHT })
  const forged = (await issuer.sign()).slice(0, -4) + 'AAAA'
  const valid = await issuer.sign({ claims: { sub: 'auth0|office-user' } })

  const first = []
  for (let i = 0; i < 3; i++) first.push(await app.inject({ url: '/v1/me' }))
  const anonymous = await app.inject({ url: '/v1/me' })
  const badToken = await app.inject({ url: '/v1/me', headers: bearer(forged) })
  const otherAddress = await app.inject({ url: '/v1/me', remoteAddress: '10.0.0.9' })
  const goodToken = await app.inject({ url: '/v1/me', headers: bearer(valid) })

  t.same(first.map((response) => response.statusCode), [401, 401, 401])
  t.equal(anonymous.statusCode, 429)
  t.ok(Number(anonymous.headers['retry-after']) > 0)
  t.equal(badToken.statusCode, 429, 'a failing token from a spent address is refused before the 401')
  t.equal(otherAddress.statusCode, 401, 'another address has its own bucket')
  t.equal(goodToken.statusCode, 200, 'a verified user behind the same address is not blocked')
})

t.test('never rate-limits the health probes', async (t) => {
  const { app } = await build(t, { env: TIGHT })

  for (let i = 0; i < 5; i++) await app.inject({ url: '/v1/me' })
  const statuses = []
  for (let i = 0; i < 10; i++) statuses.push((await app.inject({ url: '/healthz' })).statusCode)

  t.same(statuses, Array(10).fill(200))
})

t.test('logs rate-limit refusals without the token', async (t) => {
  const { app, issuer, lines } = await buildWithLogs(t, TIGHT)
  const token = await issuer.sign({ claims: { sub: 'auth0|logged' } })
  const forged = token.slice(0, -4) + 'AAAA'

  for (let i = 0; i < 5; i++) await app.inject({ url: '/v1/me', headers: bearer(token) })
  for (let i = 0; i < 5; i++) await app.inject({ url: '/v1/me', headers: bearer(forged) })

  const text = lines.join('\n')
  t.match(text, /rate limit exceeded/)
  t.notOk(text.includes(token.split('.')[2] as string), 'no signature in any log line')
  t.notOk(text.includes(token.split('.')[1] as string), 'no payload in any log line')
  t.notOk(text.includes(forged.split('.')[2] as string))
})
