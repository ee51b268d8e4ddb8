import t from 'tap'
import { bearer, build, type Tap } from '../helper.js'
import { startAuth0StandIn, seedStandIn, type Auth0StandIn } from '../support/auth0-stand-in.js'
import { roleToken } from '../support/tokens.js'

const BOB = 'auth0|bob'
const BOB_ROLES_URL = `/v1/users/${encodeURIComponent(BOB)}/roles`

async function buildStandIn (t: Tap): Promise<Auth0StandIn> {
  const standIn = await startAuth0StandIn()
  seedStandIn(standIn)
  t.teardown(() => standIn.close())
  return standIn
}

function managementEnv (standIn: Auth0StandIn, env: Record<string, string> = {}) {
  return {
    AUTH0_MANAGEMENT_BASE_URL: standIn.url,
    AUTH0_MANAGEMENT_CLIENT_ID: standIn.clientId,
    AUTH0_MANAGEMENT_CLIENT_SECRET: standIn.clientSecret,
    AUTH0_MANAGEMENT_TIMEOUT_MS: '5000',
    // These tests assert exact answers; the event-loop overload guard would
    // turn a slow moment on a loaded machine into an unrelated 503.
    MAX_EVENT_LOOP_DELAY_MS: '0',
    ...env
  }
}

async function buildWithStandIn (t: Tap, env: Record<string, string> = {}) {
  const standIn = await buildStandIn(t)
  const { app, issuer } = await build(t, { env: managementEnv(standIn, env) })
  const admin = await roleToken(issuer, 'auth0|alice', ['admin'], true)
  return { app, issuer, standIn, admin }
}

function countPaths (standIn: Auth0StandIn, method: string, path: string): number {
  return standIn.requests.filter((r) => r.method === method && r.path === path).length
}

t.test('PUT /v1/users/{id}/roles applies the role set in Auth0, mirrors it and audits it', async (t) => {
  const { app, issuer, standIn, admin } = await buildWithStandIn(t)
  const bob = await roleToken(issuer, BOB, ['viewer'])
  await app.inject({ url: '/v1/me', headers: bearer(bob) })

  const response = await app.inject({
    method: 'PUT',
    url: BOB_ROLES_URL,
    headers: bearer(admin),
    payload: { roles: ['user', 'manager'] }
  })

  t.equal(response.statusCode, 200)
  const body = response.json()
  t.same(body.auth0_roles, ['manager', 'user'])
  t.same(body.assigned.sort(), ['manager', 'user'])
  t.same(body.removed, ['viewer'])
  t.same(body.token_roles, ['viewer'])
  t.equal(body.takes_effect, 'next_token')
  t.ok(body.auth0_roles_synced_at)
  t.same(standIn.rolesOf(BOB), ['manager', 'user'])

  const audit = await app.inject({ url: '/v1/audit', headers: bearer(admin) })
  const entry = audit.json().items.find((item: { action: string }) => item.action === 'user.roles.set')
  t.ok(entry, 'an audit entry records the change')
  t.equal(entry?.actor, 'auth0|alice')
  t.match(entry?.reason, /roles: user, manager; assigned: .*; removed: viewer/)
})

t.test('GET /v1/users/{id}/roles shows the roles in Auth0 and the roles of the last token', async (t) => {
  const { app, issuer, admin } = await buildWithStandIn(t)
  const bob = await roleToken(issuer, BOB, ['viewer'])
  await app.inject({ url: '/v1/me', headers: bearer(bob) })
  await app.inject({ method: 'PUT', url: BOB_ROLES_URL, headers: bearer(admin), payload: { roles: ['manager'] } })

  const response = await app.inject({ url: BOB_ROLES_URL, headers: bearer(admin) })

  t.equal(response.statusCode, 200)
  t.same(response.json().auth0_roles, ['manager'])
  t.same(response.json().token_roles, ['viewer'])
  t.ok(response.json().token_seen_at)
})

t.test('the user sees new roles at their next token', async (t) => {
  const { app, issuer, standIn, admin } = await buildWithStandIn(t)
  const oldToken = await roleToken(issuer, BOB, ['viewer'])
  await app.inject({ url: '/v1/me', headers: bearer(oldToken) })
  await app.inject({ method: 'PUT', url: BOB_ROLES_URL, headers: bearer(admin), payload: { roles: ['manager'] } })

  const withOld = await app.inject({ url: '/v1/me', headers: bearer(oldToken) })
  const nextToken = await roleToken(issuer, BOB, standIn.rolesOf(BOB))
  const withNext = await app.inject({ url: '/v1/me', headers: bearer(nextToken) })

  t.same(withOld.json().identity.roles, ['viewer'])
  t.same(withNext.json().identity.roles, ['manager'])
  t.ok(withNext.json().identity.permissions.includes('manage:teams'))
})

t.test('a user unknown to this API still gets the roles in Auth0', async (t) => {
  const { app, standIn, admin } = await buildWithStandIn(t)

  const response = await app.inject({ method: 'PUT', url: BOB_ROLES_URL, headers: bearer(admin), payload: { roles: ['user'] } })

  t.equal(response.statusCode, 200)
  t.same(response.json().token_roles, [])
  t.notOk(response.json().token_seen_at)
  t.same(standIn.rolesOf(BOB), ['user'])
})

t.test('an unknown role name is a 400 naming it, and Auth0 is not changed', async (t) => {
  const { app, standIn, admin } = await buildWithStandIn(t)

  const response = await app.inject({
    method: 'PUT',
    url: BOB_ROLES_URL,
    headers: bearer(admin),
    payload: { roles: ['viewer', 'superuser'] }
  })

  t.equal(response.statusCode, 400)
  t.equal(response.json().code, 'MGMT_UNKNOWN_ROLE')
  t.match(response.json().message, /superuser/)
  t.same(standIn.rolesOf(BOB), ['viewer'])
})

t.test('a user missing in Auth0 is a 404', async (t) => {
  const { app, admin } = await buildWithStandIn(t)

  const response = await app.inject({ url: `/v1/users/${encodeURIComponent('auth0|ghost')}/roles`, headers: bearer(admin) })

  t.equal(response.statusCode, 404)
  t.equal(response.json().code, 'MGMT_USER_NOT_FOUND')
})

t.test('a caller without admin is refused with 403 and Auth0 is not called', async (t) => {
  const { app, issuer, standIn } = await buildWithStandIn(t)
  const manager = await roleToken(issuer, 'auth0|carol', ['manager'], true)
  const managementCalls = () => standIn.requests.filter((r) => r.path.startsWith('/api/v2')).length
  const before = managementCalls()

  const response = await app.inject({ method: 'PUT', url: BOB_ROLES_URL, headers: bearer(manager), payload: { roles: ['admin'] } })

  t.equal(response.statusCode, 403)
  t.match(response.headers['www-authenticate'], /insufficient_scope/)
  t.equal(managementCalls(), before)
})

t.test('an admin without MFA gets a 401 step-up challenge', async (t) => {
  const { app, issuer } = await buildWithStandIn(t)
  const admin = await roleToken(issuer, 'auth0|alice', ['admin'], false)

  const response = await app.inject({ method: 'PUT', url: BOB_ROLES_URL, headers: bearer(admin), payload: { roles: ['user'] } })

  t.equal(response.statusCode, 401)
  t.match(response.headers['www-authenticate'], /insufficient_user_authentication/)
})

t.test('no token is a plain 401', async (t) => {
  const { app } = await buildWithStandIn(t)

  const response = await app.inject({ url: BOB_ROLES_URL })

  t.equal(response.statusCode, 401)
})

t.test('a body with other fields or a malformed role name is a 400', async (t) => {
  const { app, admin } = await buildWithStandIn(t)

  const extra = await app.inject({ method: 'PUT', url: BOB_ROLES_URL, headers: bearer(admin), payload: { roles: ['user'], permissions: ['admin'] } })
  const odd = await app.inject({ method: 'PUT', url: BOB_ROLES_URL, headers: bearer(admin), payload: { roles: ['<script>'] } })

  t.equal(extra.statusCode, 400)
  t.equal(odd.statusCode, 400)
})

t.test('a 429 from Auth0 is retried after the reset and the request succeeds', async (t) => {
  const { app, standIn, admin } = await buildWithStandIn(t)
  standIn.inject({ kind: 'rate-limit', times: 1, resetInSec: 1, pathPrefix: '/api/v2/users' })

  const response = await app.inject({ url: BOB_ROLES_URL, headers: bearer(admin) })

  t.equal(response.statusCode, 200)
  t.equal(countPaths(standIn, 'GET', `/api/v2/users/${BOB}/roles`), 2)
})

t.test('a persisting 429 is answered 503 with Retry-After after bounded retries', async (t) => {
  const { app, standIn, admin } = await buildWithStandIn(t)
  standIn.inject({ kind: 'rate-limit', times: 10, resetInSec: 1, pathPrefix: '/api/v2/users' })

  const response = await app.inject({ url: BOB_ROLES_URL, headers: bearer(admin) })

  t.equal(response.statusCode, 503)
  t.equal(response.json().code, 'MGMT_RATE_LIMITED')
  t.ok(Number(response.headers['retry-after']) >= 1)
  t.equal(countPaths(standIn, 'GET', `/api/v2/users/${BOB}/roles`), 3)
})

t.test('an Auth0 5xx is answered 502 with a safe message', async (t) => {
  const { app, standIn, admin } = await buildWithStandIn(t)
  standIn.inject({ kind: 'error', pathPrefix: '/api/v2/users' })

  const response = await app.inject({ url: BOB_ROLES_URL, headers: bearer(admin) })

  t.equal(response.statusCode, 502)
  t.equal(response.json().code, 'MGMT_UPSTREAM_ERROR')
  t.notMatch(response.body, /stand-in failure/)
})

t.test('a hanging Auth0 is answered 504 within the configured timeout', async (t) => {
  const { app, standIn, admin } = await buildWithStandIn(t, { AUTH0_MANAGEMENT_TIMEOUT_MS: '400' })
  standIn.inject({ kind: 'hang', pathPrefix: '/api/v2/users' })
  const started = Date.now()

  const response = await app.inject({ url: BOB_ROLES_URL, headers: bearer(admin) })

  t.equal(response.statusCode, 504)
  t.equal(response.json().code, 'MGMT_UPSTREAM_TIMEOUT')
  t.ok(Date.now() - started < 4_000, 'answered long before the SDK default of 60 s')
})

t.test('GET /v1/users/{id} shows the roles set in Auth0 beside the roles of the last token', async (t) => {
  const { app, issuer, admin } = await buildWithStandIn(t)
  const bob = await roleToken(issuer, BOB, ['viewer'])
  await app.inject({ url: '/v1/me', headers: bearer(bob) })
  await app.inject({ method: 'PUT', url: BOB_ROLES_URL, headers: bearer(admin), payload: { roles: ['manager'] } })

  const response = await app.inject({ url: `/v1/users/${encodeURIComponent(BOB)}`, headers: bearer(admin) })

  t.equal(response.statusCode, 200)
  t.same(response.json().roles, ['viewer'])
  t.same(response.json().auth0_roles, ['manager'])
  t.ok(response.json().auth0_roles_synced_at)
})
