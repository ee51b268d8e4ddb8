import t from 'tap'
import { bearer, build, type Tap } from '../helper.js'
import { startAuth0StandIn, seedStandIn, type Auth0StandIn } from '../support/auth0-stand-in.js'
import { roleToken, signFor } from '../support/tokens.js'

async function buildWithStandIn (t: Tap, env: Record<string, string> = {}) {
  const standIn = await startAuth0StandIn()
  seedStandIn(standIn)
  t.teardown(() => standIn.close())
  const { app, issuer } = await build(t, {
    env: {
      AUTH0_MANAGEMENT_BASE_URL: standIn.url,
      AUTH0_MANAGEMENT_CLIENT_ID: standIn.clientId,
      AUTH0_MANAGEMENT_CLIENT_SECRET: standIn.clientSecret,
      AUTH0_MANAGEMENT_TIMEOUT_MS: '5000',
      MAX_EVENT_LOOP_DELAY_MS: '0',
      ...env
    }
  })
  return { app, issuer, standIn }
}

function patches (standIn: Auth0StandIn) {
  return standIn.requests.filter((r) => r.method === 'PATCH')
}

t.test('PATCH /v1/me/profile stores display fields in Auth0 user_metadata and in SurrealDB', async (t) => {
  const { app, issuer, standIn } = await buildWithStandIn(t)
  const bob = await roleToken(issuer, 'auth0|bob', ['viewer'])

  const first = await app.inject({
    method: 'PATCH',
    url: '/v1/me/profile',
    headers: bearer(bob),
    payload: { name: 'Robert', nickname: 'bob', picture: 'https://img.example.test/bob.png', locale: 'en-GB' }
  })
  const second = await app.inject({ method: 'PATCH', url: '/v1/me/profile', headers: bearer(bob), payload: { nickname: 'bobby' } })

  t.equal(first.statusCode, 200)
  t.equal(second.statusCode, 200)
  t.same(patches(standIn).map((r) => r.body), [
    { user_metadata: { name: 'Robert', nickname: 'bob', picture: 'https://img.example.test/bob.png', locale: 'en-GB' } },
    { user_metadata: { nickname: 'bobby' } }
  ])
  t.same(standIn.users.get('auth0|bob')?.user_metadata, {
    name: 'Robert', nickname: 'bobby', picture: 'https://img.example.test/bob.png', locale: 'en-GB'
  })
  t.match(second.json(), { name: 'Robert', nickname: 'bobby', picture: 'https://img.example.test/bob.png', locale: 'en-GB' })
  t.ok(second.json().profile_updated_at)
})

t.test('PATCH /v1/me/profile refuses roles, permissions and app_metadata with 400 and calls no Auth0', async (t) => {
  const { app, issuer, standIn } = await buildWithStandIn(t)
  const bob = await roleToken(issuer, 'auth0|bob', ['viewer'])
  const attempts = [
    { nickname: 'bob', roles: ['admin'] },
    { permissions: ['admin'] },
    { app_metadata: { roles: ['admin'] } },
    { user_metadata: { roles: ['admin'] } },
    {}
  ]

  const responses = await Promise.all(attempts.map((payload) =>
    app.inject({ method: 'PATCH', url: '/v1/me/profile', headers: bearer(bob), payload })))

  t.same(responses.map((r) => r.statusCode), [400, 400, 400, 400, 400])
  t.same(patches(standIn), [])
  t.same(standIn.rolesOf('auth0|bob'), ['viewer'])
})

t.test('PATCH /v1/me/profile refuses a picture that is not an https URL', async (t) => {
  const { app, issuer } = await buildWithStandIn(t)
  const bob = await roleToken(issuer, 'auth0|bob', ['viewer'])

  const response = await app.inject({
    method: 'PATCH',
    url: '/v1/me/profile',
    headers: bearer(bob),
    payload: { picture: 'javascript:alert(1)' }
  })

  t.equal(response.statusCode, 400)
})

t.test('PATCH /v1/me/profile for a user Auth0 does not know is a 404 and stores nothing', async (t) => {
  const { app, issuer } = await buildWithStandIn(t)
  const ghost = await roleToken(issuer, 'auth0|ghost', ['viewer'])

  const response = await app.inject({ method: 'PATCH', url: '/v1/me/profile', headers: bearer(ghost), payload: { nickname: 'g' } })

  t.equal(response.statusCode, 404)
  t.equal(response.json().code, 'MGMT_USER_NOT_FOUND')
})

t.test('a token without email or name is completed from /userinfo at most once per user per period', async (t) => {
  const { app, issuer, standIn } = await buildWithStandIn(t)
  const bob = await signFor(issuer, { sub: 'auth0|bob', roles: ['viewer'] })
  const carol = await signFor(issuer, { sub: 'auth0|carol', roles: ['viewer'] })
  standIn.addUser({ user_id: 'auth0|carol', email: 'carol@example.test', name: 'Carol' })
  standIn.allowUserinfo(bob, 'auth0|bob')
  standIn.allowUserinfo(carol, 'auth0|carol')

  const bobCalls = []
  for (let i = 0; i < 3; i++) bobCalls.push(await app.inject({ url: '/v1/me', headers: bearer(bob) }))
  await app.inject({ url: '/v1/me', headers: bearer(carol) })

  t.same(bobCalls.map((r) => r.statusCode), [200, 200, 200])
  t.equal(bobCalls[2]?.json().user.email, 'bob@example.test')
  t.equal(bobCalls[2]?.json().user.name, 'Bob Builder')
  t.equal(standIn.userinfoRequests(), 2)
})

t.test('a token that carries email and name never causes a /userinfo call', async (t) => {
  const { app, issuer, standIn } = await buildWithStandIn(t)
  const token = await signFor(issuer, {
    sub: 'auth0|bob',
    roles: ['viewer'],
    claims: { 'https://api.example.test/email': 'bob@example.test', 'https://api.example.test/name': 'Bob' }
  })

  const response = await app.inject({ url: '/v1/me', headers: bearer(token) })

  t.equal(response.statusCode, 200)
  t.equal(standIn.userinfoRequests(), 0)
})

t.test('a failing /userinfo never fails the request and is not retried within the period', async (t) => {
  const { app, issuer, standIn } = await buildWithStandIn(t)
  const bob = await signFor(issuer, { sub: 'auth0|bob', roles: ['viewer'] })
  standIn.inject({ kind: 'error', pathPrefix: '/userinfo' })

  const first = await app.inject({ url: '/v1/me', headers: bearer(bob) })
  const second = await app.inject({ url: '/v1/me', headers: bearer(bob) })

  t.equal(first.statusCode, 200)
  t.equal(second.statusCode, 200)
  t.equal(standIn.userinfoRequests(), 1)
})

t.test('AUTH0_USERINFO_INTERVAL_SEC=0 turns /userinfo off', async (t) => {
  const { app, issuer, standIn } = await buildWithStandIn(t, { AUTH0_USERINFO_INTERVAL_SEC: '0' })
  const bob = await signFor(issuer, { sub: 'auth0|bob', roles: ['viewer'] })
  standIn.allowUserinfo(bob, 'auth0|bob')

  const response = await app.inject({ url: '/v1/me', headers: bearer(bob) })

  t.equal(response.statusCode, 200)
  t.equal(standIn.userinfoRequests(), 0)
})
