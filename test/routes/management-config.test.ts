import t from 'tap'
import { bearer, build, type Tap } from '../helper.js'
import { startAuth0StandIn, seedStandIn, type Auth0StandIn } from '../support/auth0-stand-in.js'
import { roleToken } from '../support/tokens.js'

async function buildStandIn (t: Tap): Promise<Auth0StandIn> {
  const standIn = await startAuth0StandIn()
  seedStandIn(standIn)
  t.teardown(() => standIn.close())
  return standIn
}

t.test('without management credentials the management routes answer 501 and the rest works', async (t) => {
  const { app, issuer } = await build(t, { env: { MAX_EVENT_LOOP_DELAY_MS: '0' } })
  const admin = await roleToken(issuer, 'auth0|alice', ['admin'], true)

  const roles = await app.inject({ url: '/v1/users/auth0%7Cbob/roles', headers: bearer(admin) })
  const profile = await app.inject({ method: 'PATCH', url: '/v1/me/profile', headers: bearer(admin), payload: { nickname: 'al' } })
  const me = await app.inject({ url: '/v1/me', headers: bearer(admin) })

  t.equal(roles.statusCode, 501)
  t.equal(roles.json().code, 'MGMT_NOT_CONFIGURED')
  t.match(roles.json().message, /not configured/)
  t.equal(profile.statusCode, 501)
  t.equal(me.statusCode, 200)
})

t.test('the development issuer without management config leaves the management API unconfigured', async (t) => {
  const { app } = await build(t, {
    env: { AUTH0_ISSUER: undefined, AUTH0_AUDIENCE: undefined },
    devIssuerUrl: 'http://127.0.0.1:3999/dev/'
  })

  t.ok(app.devIssuer, 'the development issuer is active')
  t.throws(() => app.getManagementApi(), { code: 'MGMT_NOT_CONFIGURED', statusCode: 501 })
})

t.test('a wrong client secret stops start-up with a message naming the variables', async (t) => {
  const standIn = await buildStandIn(t)

  const started = build(t, {
    env: {
      AUTH0_MANAGEMENT_BASE_URL: standIn.url,
      AUTH0_MANAGEMENT_CLIENT_ID: standIn.clientId,
      AUTH0_MANAGEMENT_CLIENT_SECRET: 'not-the-secret'
    }
  })

  await t.rejects(started, {
    name: 'ManagementCredentialsError',
    message: /rejected AUTH0_MANAGEMENT_CLIENT_ID\/AUTH0_MANAGEMENT_CLIENT_SECRET \(401 access_denied\)/
  })
})

t.test('an Auth0 that does not answer at start-up does not stop the API', async (t) => {
  const standIn = await buildStandIn(t)
  standIn.inject({ kind: 'hang', pathPrefix: '/oauth/token' })

  const { app, issuer } = await build(t, {
    env: {
      AUTH0_MANAGEMENT_BASE_URL: standIn.url,
      AUTH0_MANAGEMENT_CLIENT_ID: standIn.clientId,
      AUTH0_MANAGEMENT_CLIENT_SECRET: standIn.clientSecret,
      AUTH0_MANAGEMENT_TIMEOUT_MS: '1000',
      MAX_EVENT_LOOP_DELAY_MS: '0'
    }
  })
  const admin = await roleToken(issuer, 'auth0|alice', ['admin'], true)
  const response = await app.inject({ url: '/v1/users/auth0%7Cbob/roles', headers: bearer(admin) })

  t.equal(response.statusCode, 200)
  t.same(response.json().auth0_roles, ['viewer'])
})

t.test('a client id without a secret is a configuration error', async (t) => {
  const standIn = await buildStandIn(t)

  await t.rejects(build(t, {
    env: { AUTH0_MANAGEMENT_BASE_URL: standIn.url, AUTH0_MANAGEMENT_CLIENT_ID: standIn.clientId }
  }), { name: 'ConfigError', message: /must be set together/ })
})

t.test('a plain-http management URL off loopback is a configuration error', async (t) => {
  await t.rejects(build(t, {
    env: {
      AUTH0_MANAGEMENT_BASE_URL: 'http://tenant.example.test',
      AUTH0_MANAGEMENT_CLIENT_ID: 'id',
      AUTH0_MANAGEMENT_CLIENT_SECRET: 'secret'
    }
  }), { name: 'ConfigError', message: /https/ })
})
