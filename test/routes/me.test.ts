import t from 'tap'
import { bearer, build } from '../helper.js'
import {
  countEngineSessions,
  countRows,
  distrustAppKey,
  openAppDatabase
} from '../support/database.js'

const AWKWARD_SUBS = ['auth0|65f1c2a9e4b0c3d2e1f00001', 'google-oauth2|123', 'ünï 用户', 'a⟩b', 'a`b', 'a\\b', "x' OR 1; --"]

function sleep (ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

t.test('GET /v1/me', async (t) => {
  const { app, issuer } = await build(t)

  t.test('returns the provisioned caller', async (t) => {
    const token = await issuer.sign({ claims: { sub: 'auth0|alice' } })

    const response = await app.inject({ url: '/v1/me', headers: bearer(token) })

    t.equal(response.statusCode, 200)
    const body = response.json()
    t.equal(body.user.sub, 'auth0|alice')
    t.equal(body.user.id, 'auth0|alice')
    t.equal(body.identity.sub, 'auth0|alice')
    t.same(body.identity.permissions, ['openid', 'profile', 'read:documents'])
  })

  t.test('without a token is a plain bearer challenge', async (t) => {
    const response = await app.inject({ url: '/v1/me' })

    t.equal(response.statusCode, 401)
    t.equal(response.headers['www-authenticate'], 'Bearer realm="https://api.example.test"')
  })

  t.test('updates the stored record at once when the token carries a new email', async (t) => {
    const claims = (email: string) => ({ sub: 'auth0|mover', 'https://api.example.test/email': email })
    const before = await issuer.sign({ claims: claims('old@example.test') })
    const after = await issuer.sign({ claims: claims('new@example.test') })

    const first = (await app.inject({ url: '/v1/me', headers: bearer(before) })).json()
    const second = (await app.inject({ url: '/v1/me', headers: bearer(after) })).json()

    t.equal(first.user.email, 'old@example.test')
    t.equal(second.user.email, 'new@example.test')
    t.equal(second.user.created_at, first.user.created_at)
  })
})

t.test('the first request of a new sub creates its record; a repeat does not write again', async (t) => {
  const database = await openAppDatabase(t)
  const { app, issuer } = await build(t, { database })
  const token = await issuer.sign({ claims: { sub: 'auth0|newcomer' } })

  const first = (await app.inject({ url: '/v1/me', headers: bearer(token) })).json()
  const second = (await app.inject({ url: '/v1/me', headers: bearer(token) })).json()

  t.equal(await countRows(database, 'user'), 1)
  t.equal(second.user.created_at, first.user.created_at)
  t.equal(second.user.last_seen_at, first.user.last_seen_at, 'last-seen is refreshed at most once a minute')
})

t.test('50 parallel first requests of the same new user create exactly one record', async (t) => {
  const database = await openAppDatabase(t)
  const { app, issuer } = await build(t, { database, env: { RATE_LIMIT_MAX: '1000', MAX_EVENT_LOOP_DELAY_MS: '0' } })
  const token = await issuer.sign({ claims: { sub: 'auth0|stampede' } })

  const responses = await Promise.all(Array.from({ length: 50 }, () =>
    app.inject({ url: '/v1/me', headers: bearer(token) })))

  t.same([...new Set(responses.map((response) => response.statusCode))], [200])
  t.equal(await countRows(database, 'user'), 1)
  t.equal(new Set(responses.map((response) => response.json().user.created_at)).size, 1)
})

t.test('awkward subs each get their own record and read back exactly', async (t) => {
  const database = await openAppDatabase(t)
  const { app, issuer } = await build(t, { database })

  for (const sub of AWKWARD_SUBS) {
    const token = await issuer.sign({ claims: { sub } })
    const response = await app.inject({ url: '/v1/me', headers: bearer(token) })
    t.equal(response.statusCode, 200, JSON.stringify(sub))
    t.equal(response.json().user.sub, sub)
    t.equal(response.json().user.id, sub)
  }

  t.equal(await countRows(database, 'user'), AWKWARD_SUBS.length)
})

t.test('a rejected access token provisions no user', async (t) => {
  const database = await openAppDatabase(t)
  const { app, issuer } = await build(t, { database })
  const expired = await issuer.sign({ claims: { sub: 'auth0|late', exp: Math.floor(Date.now() / 1000) - 600 } })
  const noSub = await issuer.sign({ omit: ['sub'] })

  const responses = await Promise.all([expired, noSub, `${expired}x`].map((token) =>
    app.inject({ url: '/v1/me', headers: bearer(token) })))

  t.same(responses.map((response) => response.statusCode), [401, 401, 401])
  t.equal(await countRows(database, 'user'), 0)
})

t.test('a request whose SurrealDB authentication fails gets 503 and no data', async (t) => {
  const database = await openAppDatabase(t)
  const { app, issuer } = await build(t, { database })
  const token = await issuer.sign({ claims: { sub: 'auth0|alice' } })
  t.equal((await app.inject({ url: '/v1/me', headers: bearer(token) })).statusCode, 200)
  await distrustAppKey(database)

  const response = await app.inject({ url: '/v1/me', headers: bearer(token) })

  t.equal(response.statusCode, 503)
  t.equal(response.headers['retry-after'], '5')
  t.same(response.json(), {
    statusCode: 503,
    code: 'DB_IDENTITY_REJECTED',
    error: 'Service Unavailable',
    message: 'The database did not accept the caller identity'
  })
  t.equal(await countEngineSessions(database), 0)
})

t.test('a closed database answers 503 DB_UNAVAILABLE', async (t) => {
  const database = await openAppDatabase(t)
  // Load shedding off: closing the engine stalls the event loop briefly.
  const { app, issuer } = await build(t, { database, env: { MAX_EVENT_LOOP_DELAY_MS: '0' } })
  const token = await issuer.sign({ claims: { sub: 'auth0|alice' } })
  await database.close()

  const response = await app.inject({ url: '/v1/me', headers: bearer(token) })

  t.equal(response.statusCode, 503)
  t.equal(response.json().code, 'DB_UNAVAILABLE')
})

t.test('C19: each request authenticates its own SurrealDB session; an expired Auth0 token is refused', async (t) => {
  // No leeway, so that an Auth0 token 5 s from expiry is expired 6 s later.
  const { app, issuer } = await build(t, { env: { AUTH0_CLOCK_TOLERANCE: '0' } })
  const lasting = await issuer.sign({ claims: { sub: 'auth0|user-a' } })
  const shortLived = await issuer.sign({ claims: { sub: 'auth0|user-b', exp: Math.floor(Date.now() / 1000) + 5 } })
  const firstA = await app.inject({ url: '/v1/me', headers: bearer(lasting) })
  const firstB = await app.inject({ url: '/v1/me', headers: bearer(shortLived) })

  await sleep(6_000)
  const laterA = await app.inject({ url: '/v1/me', headers: bearer(lasting) })
  const laterB = await app.inject({ url: '/v1/me', headers: bearer(shortLived) })

  t.equal(firstA.statusCode, 200)
  t.equal(firstB.statusCode, 200)
  t.equal(laterA.statusCode, 200)
  t.same(laterA.json().user, firstA.json().user)
  t.equal(laterB.statusCode, 401)
  t.match(laterB.headers['www-authenticate'], /error="invalid_token"/)
  t.equal(laterB.json().code, 'AUTH_TOKEN_EXPIRED')
  t.notMatch(laterB.body, /anonymous|surreal|session/i)
})
