import t from 'tap'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { SignJWT, generateKeyPair } from 'jose'
import { bearer, build } from '../helper.js'
import { buildSettings, loadEnv } from '../../src/config.js'
import {
  buildTokenCommand,
  devIssuerUrl,
  loadDevIssuerKey,
  mintDevToken
} from '../../src/dev-issuer/issuer.js'
import { findFreePort, tempDir } from '../support/server-process.js'

const HOST = '127.0.0.1'

t.test('the signing key is created on first use and kept under DATA_DIR', async (t) => {
  const dir = await tempDir(t)

  const first = await loadDevIssuerKey(dir)
  const again = await loadDevIssuerKey(dir)

  t.equal(again.kid, first.kid)
  t.same(again.publicJwk, first.publicJwk)
  t.equal((await stat(join(dir, 'dev-issuer-key.json'))).mode & 0o777, 0o600)
  for (const part of ['d', 'p', 'q', 'dp', 'dq', 'qi']) t.notOk(part in first.publicJwk, `no ${part} in the JWKS`)
})

t.test('settings enable the development issuer only without a tenant and never in production', async (t) => {
  const url = devIssuerUrl(HOST, 3000)

  t.equal(buildSettings(loadEnv({ NODE_ENV: 'development' }), url).devIssuer, true)
  t.equal(buildSettings(loadEnv({ NODE_ENV: 'development' }), url).issuer, 'http://127.0.0.1:3000/dev/')
  t.equal(buildSettings(loadEnv({
    NODE_ENV: 'development',
    AUTH0_DOMAIN: 'tenant.example.test',
    AUTH0_AUDIENCE: 'https://api.example.test'
  }), url).devIssuer, false)
  t.throws(() => buildSettings(loadEnv({ NODE_ENV: 'production' }), url), /AUTH0_DOMAIN or AUTH0_ISSUER is required/)
  t.throws(() => buildSettings(loadEnv({ NODE_ENV: 'development', PORT: '0' }), devIssuerUrl(HOST, 0)), /PORT=0/)
})

t.test('an app with a tenant serves no development issuer', async (t) => {
  const { app } = await build(t)

  const responses = await Promise.all([
    app.inject({ url: '/dev/.well-known/jwks.json' }),
    app.inject({ method: 'POST', url: '/dev/token', payload: { sub: 'auth0|mallory' } })
  ])

  t.same(responses.map((response) => response.statusCode), [404, 404])
  t.equal(app.devIssuer, undefined)
})

t.test('development tokens go through the same verification as Auth0 tokens', async (t) => {
  const port = await findFreePort()
  const { app } = await build(t, {
    devIssuerUrl: devIssuerUrl(HOST, port),
    env: { AUTH0_ISSUER: undefined, AUTH0_AUDIENCE: undefined, DATA_DIR: await tempDir(t), MAX_EVENT_LOOP_DELAY_MS: '0' }
  })
  await app.listen({ host: HOST, port })
  const context = app.devIssuer as NonNullable<typeof app.devIssuer>
  const { privateKey: otherKey } = await generateKeyPair('RS256')

  const genuine = await mintDevToken(context, { sub: 'auth0|dev-alice', roles: ['admin'] })
  const expired = await mintDevToken(context, { sub: 'auth0|dev-alice', expiresInSec: -600 })
  const forged = await new SignJWT({ sub: 'auth0|dev-alice', aud: context.audience, iss: context.issuer })
    .setProtectedHeader({ alg: 'RS256', kid: context.key.kid })
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(otherKey)
  const call = (token: string) => app.inject({ url: '/v1/me', headers: bearer(token) })
  const [ok, late, fake] = [await call(genuine), await call(expired), await call(forged)]

  t.equal(ok.statusCode, 200)
  t.same(ok.json().identity.roles, ['admin'])
  t.equal(late.statusCode, 401)
  t.match(late.headers['www-authenticate'], /error="invalid_token"/)
  t.equal(fake.statusCode, 401)
  t.match(fake.headers['www-authenticate'], /error="invalid_token"/)
})

t.test('the token command carries the settings a second terminal would not have', async (t) => {
  const defaults = loadEnv({})

  t.equal(buildTokenCommand(defaults, defaults, '--sub x'), 'npm run -s token -- --sub x')
  t.equal(
    buildTokenCommand(loadEnv({ PORT: '4000', DATA_DIR: "/tmp/it's here" }), defaults, '--sub x'),
    "PORT=4000 DATA_DIR='/tmp/it'\\''s here' npm run -s token -- --sub x"
  )
})
