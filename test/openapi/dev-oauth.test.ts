import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { bearer, build } from '../helper.js'
import { buildDevApp } from './dev-app.js'

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

async function requestToken (server: FastifyInstance, form: Record<string, string>) {
  return await server.inject({
    method: 'POST',
    url: '/dev/oauth/token',
    headers: FORM,
    payload: new URLSearchParams(form).toString()
  })
}

// One development app serves these tests: building it mints an RSA key.
t.test('development issuer', async (t) => {
  const { app, baseUrl } = await buildDevApp(t, t.testdir())

  t.test('the development issuer grants a password-flow token whose user name is the role', async (t) => {
    const grant = await requestToken(app, { grant_type: 'password', username: 'viewer', password: 'x' })
    const me = await app.inject({ url: '/v1/me', headers: bearer(grant.json().access_token) })

    t.equal(grant.statusCode, 200)
    t.match(grant.json(), { token_type: 'Bearer', expires_in: 3600, scope: 'openid profile email' })
    t.equal(me.statusCode, 200)
    t.equal(me.json().identity.sub, 'auth0|dev-viewer')
    t.same(me.json().identity.roles, ['viewer'])
    t.equal(me.json().identity.mfa, false)
  })

  t.test('ticked scopes become permissions and "+mfa" marks a multi-factor login', async (t) => {
    const grant = await requestToken(app, {
      grant_type: 'password',
      username: 'admin+mfa',
      scope: 'openid read:documents admin not:a-permission'
    })
    const me = await app.inject({ url: '/v1/me', headers: bearer(grant.json().access_token) })

    t.equal(grant.json().scope, 'openid profile email read:documents admin')
    t.equal(me.statusCode, 200, me.body)
    t.equal(me.json().identity.sub, 'auth0|dev-admin')
    t.equal(me.json().identity.mfa, true)
    t.ok(me.json().identity.permissions.includes('admin'))
    t.notOk(me.json().identity.permissions.includes('not:a-permission'))
  })

  t.test('the token endpoint refuses other grants and odd user names', async (t) => {
    const clientCredentials = await requestToken(app, { grant_type: 'client_credentials' })
    const oddName = await requestToken(app, { grant_type: 'password', username: 'a|b c' })

    t.equal(clientCredentials.statusCode, 400)
    t.equal(oddName.statusCode, 400)
    t.equal(oddName.json().code, 'REQUEST_INVALID')
  })

  t.test('form bodies are parsed on the token endpoint only', async (t) => {
    const grant = await requestToken(app, { grant_type: 'password', username: 'user' })

    const response = await app.inject({
      method: 'POST',
      url: '/v1/documents',
      headers: { ...FORM, ...bearer(grant.json().access_token) },
      payload: 'title=x'
    })

    t.equal(response.statusCode, 415)
  })

  t.test('the development document offers the password flow against the development issuer', async (t) => {
    const document = (await app.inject({ url: '/openapi.json' })).json()

    t.same(Object.keys(document.components.securitySchemes.auth0.flows), ['password'])
    t.equal(document.components.securitySchemes.auth0.flows.password.tokenUrl, `${baseUrl}/dev/oauth/token`)
  })
})

t.test('with an Auth0 tenant configured there is no development token endpoint', async (t) => {
  const { app: tenantApp } = await build(t)

  const response = await requestToken(tenantApp, { grant_type: 'password', username: 'admin' })

  t.equal(response.statusCode, 404)
})
