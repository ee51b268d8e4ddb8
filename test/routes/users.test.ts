import t from 'tap'
import { build } from '../helper.js'
import { callAs, roleToken, signFor } from '../support/tokens.js'

t.test('users API (admin)', async (t) => {
  const { app, issuer } = await build(t)
  const admin = await roleToken(issuer, 'auth0|ada', ['admin'], true)
  const alice = await roleToken(issuer, 'auth0|alice', ['user', 'viewer'])
  await callAs(app, alice, { url: '/v1/me' })

  t.test('an admin with MFA lists users with their token roles and last-seen time', async (t) => {
    const response = await callAs(app, admin, { url: '/v1/users' })

    t.equal(response.statusCode, 200)
    const aliceView = response.json().items.find((user: { sub: string }) => user.sub === 'auth0|alice')
    t.match(aliceView, { id: 'auth0|alice', roles: ['user', 'viewer'], last_seen_at: String, created_at: String })
  })

  t.test('an admin reads one user by sub; an unknown sub is 404', async (t) => {
    const found = await callAs(app, admin, { url: '/v1/users/auth0%7Calice' })
    const missing = await callAs(app, admin, { url: '/v1/users/auth0%7Cnobody' })

    t.equal(found.statusCode, 200)
    t.equal(found.json().sub, 'auth0|alice')
    t.equal(missing.statusCode, 404)
  })

  t.test('users page by cursor', async (t) => {
    for (const sub of ['auth0|u1', 'auth0|u2', 'auth0|u3']) {
      await callAs(app, await roleToken(issuer, sub, ['user']), { url: '/v1/me' })
    }
    const seen: string[] = []
    let cursor: string | null = null

    do {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`
      const page = (await callAs(app, admin, { url: `/v1/users?limit=2${query}` })).json()
      seen.push(...page.items.map((user: { sub: string }) => user.sub))
      cursor = page.next_cursor
    } while (cursor !== null)

    t.same(seen, [...new Set(seen)].sort(), 'each user once, in sub order')
    t.ok(seen.includes('auth0|u3'))
  })

  t.test('an admin without MFA is asked to step up', async (t) => {
    const noMfa = await roleToken(issuer, 'auth0|ada', ['admin'])

    const response = await callAs(app, noMfa, { url: '/v1/users' })

    t.equal(response.statusCode, 401)
    t.match(String(response.headers['www-authenticate']), 'error="insufficient_user_authentication"')
    t.match(String(response.headers['www-authenticate']), 'acr_values="')
  })

  t.test('callers without admin get 403 naming admin', async (t) => {
    const callers = [
      alice,
      await roleToken(issuer, 'auth0|max', ['manager'], true),
      await signFor(issuer, { sub: 'auth0|pia', permissions: ['read:documents', 'write:documents'] })
    ]

    for (const token of callers) {
      const response = await callAs(app, token, { url: '/v1/users/auth0%7Calice' })
      t.equal(response.statusCode, 403)
      t.match(String(response.headers['www-authenticate']), 'scope="admin"')
    }
  })

  t.test('an admin permission from Auth0 RBAC without a roles claim still needs MFA', async (t) => {
    const withoutMfa = await signFor(issuer, { sub: 'auth0|ops', permissions: ['admin'] })
    const withMfa = await signFor(issuer, { sub: 'auth0|ops', permissions: ['admin'], mfa: true })

    const challenged = await callAs(app, withoutMfa, { url: '/v1/users' })
    const allowed = await callAs(app, withMfa, { url: '/v1/users' })

    t.equal(challenged.statusCode, 401)
    t.match(String(challenged.headers['www-authenticate']), 'error="insufficient_user_authentication"')
    t.equal(allowed.statusCode, 200)
  })

  t.test('invalid query strings are 400', async (t) => {
    for (const url of ['/v1/users?limit=0', '/v1/users?limit=1000', '/v1/users?role=admin']) {
      t.equal((await callAs(app, admin, { url })).statusCode, 400, url)
    }
  })
})
