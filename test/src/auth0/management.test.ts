import t from 'tap'
import { createManagementApi } from '../../../src/auth0/management.js'
import type { ManagementSettings } from '../../../src/auth0/settings.js'
import { CredentialsRejectedError } from '../../../src/auth0/upstream.js'
import { startAuth0StandIn, seedStandIn, type Auth0StandIn } from '../../support/auth0-stand-in.js'

async function standInFor (t: Tap): Promise<Auth0StandIn> {
  const standIn = await startAuth0StandIn()
  seedStandIn(standIn)
  t.teardown(() => standIn.close())
  return standIn
}

interface Tap { teardown (fn: () => unknown): void }

function settingsFor (standIn: Auth0StandIn, overrides: Partial<ManagementSettings> = {}): ManagementSettings {
  return {
    baseUrl: standIn.url,
    audience: `${standIn.url}/api/v2/`,
    clientId: standIn.clientId,
    clientSecret: standIn.clientSecret,
    timeoutMs: 5_000,
    ...overrides
  }
}

function countRequests (standIn: Auth0StandIn, method: string, path: string): number {
  return standIn.requests.filter((r) => r.method === method && r.path === path).length
}

t.test('setUserRoles assigns and removes by role id so the user holds exactly the named roles', async (t) => {
  const standIn = await standInFor(t)
  const api = createManagementApi(settingsFor(standIn))

  const change = await api.setUserRoles('auth0|bob', ['manager', 'user'])

  t.same(standIn.rolesOf('auth0|bob'), ['manager', 'user'])
  t.same(change.assigned.map((role) => role.name), ['manager', 'user'])
  t.same(change.removed.map((role) => role.name), ['viewer'])
  const post = standIn.requests.find((r) => r.method === 'POST' && r.path.endsWith('/roles'))
  t.match(post?.body, { roles: [/^rol_/, /^rol_/] })
})

t.test('setUserRoles refuses an unknown role name and changes nothing', async (t) => {
  const standIn = await standInFor(t)
  const api = createManagementApi(settingsFor(standIn))

  await t.rejects(api.setUserRoles('auth0|bob', ['viewer', 'superuser']), {
    code: 'MGMT_UNKNOWN_ROLE',
    statusCode: 400,
    message: /"superuser"/
  })

  t.same(standIn.rolesOf('auth0|bob'), ['viewer'])
})

t.test('a user unknown to Auth0 is MGMT_USER_NOT_FOUND', async (t) => {
  const standIn = await standInFor(t)
  const api = createManagementApi(settingsFor(standIn))

  await t.rejects(api.listUserRoles('auth0|nobody'), { code: 'MGMT_USER_NOT_FOUND', statusCode: 404 })
})

t.test('100 concurrent calls share one token request', async (t) => {
  const standIn = await standInFor(t)
  const api = createManagementApi(settingsFor(standIn))

  const results = await Promise.all(Array.from({ length: 100 }, () => api.listUserRoles('auth0|alice')))

  t.equal(standIn.tokenRequests(), 1)
  t.equal(results.length, 100)
  t.ok(results.every((roles) => roles[0]?.name === 'admin'))
})

t.test('a 429 is retried after the reset time and then succeeds', async (t) => {
  const standIn = await standInFor(t)
  const api = createManagementApi(settingsFor(standIn), { retry: { jitterMs: 50 } })
  standIn.inject({ kind: 'rate-limit', times: 1, resetInSec: 1 })

  const roles = await api.listUserRoles('auth0|alice')

  t.same(roles.map((role) => role.name), ['admin'])
  t.equal(countRequests(standIn, 'GET', '/api/v2/users/auth0|alice/roles'), 2)
})

t.test('a persisting 429 stops after the bounded retries with a Retry-After', async (t) => {
  const standIn = await standInFor(t)
  const api = createManagementApi(settingsFor(standIn), { retry: { jitterMs: 50, maxRetries: 2 } })
  standIn.inject({ kind: 'rate-limit', times: 10, resetInSec: 1 })

  const error = await api.listUserRoles('auth0|alice').catch((err: unknown) => err) as Record<string, unknown>

  t.equal(error.code, 'MGMT_RATE_LIMITED')
  t.equal(error.statusCode, 503)
  t.ok((error.retryAfterSec as number) >= 1)
  t.equal(countRequests(standIn, 'GET', '/api/v2/users/auth0|alice/roles'), 3)
})

t.test('a reset further away than the longest wait is not waited for', async (t) => {
  const standIn = await standInFor(t)
  const api = createManagementApi(settingsFor(standIn), { retry: { maxWaitMs: 1_000 } })
  standIn.inject({ kind: 'rate-limit', times: 10, resetInSec: 30 })
  const started = Date.now()

  const error = await api.listUserRoles('auth0|alice').catch((err: unknown) => err) as Record<string, unknown>

  t.equal(error.code, 'MGMT_RATE_LIMITED')
  t.ok((error.retryAfterSec as number) >= 29 && (error.retryAfterSec as number) <= 31)
  t.equal(countRequests(standIn, 'GET', '/api/v2/users/auth0|alice/roles'), 1)
  t.ok(Date.now() - started < 5_000, 'did not wait for the 30 s reset')
})

t.test('an Auth0 5xx becomes MGMT_UPSTREAM_ERROR without Auth0 text', async (t) => {
  const standIn = await standInFor(t)
  const api = createManagementApi(settingsFor(standIn))
  standIn.inject({ kind: 'error' })

  await t.rejects(api.listUserRoles('auth0|alice'), {
    code: 'MGMT_UPSTREAM_ERROR',
    statusCode: 502,
    message: 'Auth0 could not complete the request; try again shortly'
  })
})

t.test('a hanging Auth0 becomes MGMT_UPSTREAM_TIMEOUT after the configured deadline', async (t) => {
  const standIn = await standInFor(t)
  const api = createManagementApi(settingsFor(standIn, { timeoutMs: 300 }))
  standIn.inject({ kind: 'hang' })
  const started = Date.now()

  await t.rejects(api.listUserRoles('auth0|alice'), { code: 'MGMT_UPSTREAM_TIMEOUT', statusCode: 504 })

  t.ok(Date.now() - started < 4_000)
})

t.test('a hanging token endpoint also becomes MGMT_UPSTREAM_TIMEOUT', async (t) => {
  const standIn = await standInFor(t)
  const api = createManagementApi(settingsFor(standIn, { timeoutMs: 300 }))
  standIn.inject({ kind: 'hang', pathPrefix: '/oauth/token' })

  await t.rejects(api.listUserRoles('auth0|alice'), { code: 'MGMT_UPSTREAM_TIMEOUT' })
})

t.test('a wrong client secret is reported as rejected credentials', async (t) => {
  const standIn = await standInFor(t)
  const api = createManagementApi(settingsFor(standIn, { clientSecret: 'wrong' }))

  const error = await api.verifyCredentials().catch((err: unknown) => err)

  t.ok(error instanceof CredentialsRejectedError)
  t.match((error as Error).message, /401 access_denied/)
})

t.test('updateUserMetadata sends only user_metadata', async (t) => {
  const standIn = await standInFor(t)
  const api = createManagementApi(settingsFor(standIn))

  await api.updateUserMetadata('auth0|bob', { nickname: 'bobby', locale: 'fr-FR' })

  const patch = standIn.requests.find((r) => r.method === 'PATCH')
  t.same(patch?.body, { user_metadata: { nickname: 'bobby', locale: 'fr-FR' } })
  t.same(standIn.users.get('auth0|bob')?.user_metadata, { nickname: 'bobby', locale: 'fr-FR' })
})
