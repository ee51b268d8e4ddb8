import t from 'tap'
import { bearer, build } from '../helper.js'

t.test('GET /v1/me returns the provisioned caller', async (t) => {
  const { app, issuer } = await build(t)
  const token = await issuer.sign({ claims: { sub: 'auth0|alice' } })

  const response = await app.inject({ url: '/v1/me', headers: bearer(token) })

  t.equal(response.statusCode, 200)
  const body = response.json()
  t.equal(body.user.sub, 'auth0|alice')
  t.equal(body.identity.sub, 'auth0|alice')
  t.same(body.identity.permissions, ['openid', 'profile', 'read:documents'])
})

t.test('GET /v1/me without a token is a plain bearer challenge', async (t) => {
  const { app } = await build(t)

  const response = await app.inject({ url: '/v1/me' })

  t.equal(response.statusCode, 401)
  t.equal(response.headers['www-authenticate'], 'Bearer realm="https://api.example.test"')
})
