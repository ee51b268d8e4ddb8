import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { bearer, build, buildIssuer, type Tap } from '../helper.js'
import { assertInvalidToken, changeOneCharacter } from './support/tokens.js'

// Genuine tokens issued by Auth0 tenants, with those tenants' published key
// sets (see /work/shared/fixtures/auth0/README.md). The key set is served by
// the local issuer; the tenant itself is never contacted.

interface Auth0Fixture {
  token: string
  jwks: { keys: Array<Record<string, unknown>> }
  issuer: string
  audience: string
  iat: number
  exp: number
  kind: 'access' | 'id'
}

const FIXTURES_DIR = join(import.meta.dirname, '..', 'fixtures', 'auth0')

function loadFixture (name: string): Auth0Fixture {
  return JSON.parse(readFileSync(join(FIXTURES_DIR, name), 'utf8')) as Auth0Fixture
}

function subjectOf (token: string): string {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8'))
  return payload.sub
}

async function buildFor (t: Tap, fixture: Auth0Fixture, atIssue = true) {
  const keyServer = await buildIssuer(t)
  keyServer.serveKeySet(fixture.jwks)
  const { app } = await build(t, {
    issuer: keyServer,
    clock: atIssue ? () => fixture.iat * 1000 : undefined,
    env: {
      AUTH0_ISSUER: fixture.issuer,
      AUTH0_AUDIENCE: fixture.audience,
      AUTH0_JWKS_URI: `${keyServer.url}.well-known/jwks.json`
    }
  })
  return { app, keyServer }
}

for (const name of ['access-m2m-dev-ltxchcls4igzho78.json', 'access-m2m-dev-duzyayk4.json']) {
  t.test(`Auth0 access token ${name}`, async (t) => {
    const fixture = loadFixture(name)
    const { app, keyServer } = await buildFor(t, fixture)

    t.test('passes the same verification the API uses', async (t) => {
      const response = await app.inject({ url: '/v1/me', headers: bearer(fixture.token) })

      t.equal(response.statusCode, 200, response.body)
      t.equal(response.json().identity.sub, subjectOf(fixture.token))
      t.same(keyServer.requests, ['/.well-known/jwks.json'])
    })

    t.test('fails with one character changed in the signature or the payload', async (t) => {
      const payloadAt = fixture.token.indexOf('.') + 8
      const signature = changeOneCharacter(fixture.token)
      const payload = changeOneCharacter(fixture.token, payloadAt)

      for (const token of [signature, payload]) {
        const response = await app.inject({ url: '/v1/me', headers: bearer(token) })

        assertInvalidToken(t, response)
      }
    })

    t.test('is refused for another audience', async (t) => {
      const other = await buildFor(t, { ...fixture, audience: 'https://api.example.test' })

      const response = await other.app.inject({ url: '/v1/me', headers: bearer(fixture.token) })

      assertInvalidToken(t, response)
    })
  })
}

t.test('a genuine Auth0 access token is refused as expired at the current time', async (t) => {
  const fixture = loadFixture('access-m2m-dev-ltxchcls4igzho78.json')
  const { app } = await buildFor(t, fixture, false)

  const response = await app.inject({ url: '/v1/me', headers: bearer(fixture.token) })

  assertInvalidToken(t, response)
  t.equal(response.json().code, 'AUTH_TOKEN_EXPIRED')
})

t.test('a genuine Auth0 ID token is refused as an access token even when the audience matches', async (t) => {
  const fixture = loadFixture('id-brucke.json')
  const { app, keyServer } = await buildFor(t, fixture)

  const response = await app.inject({ url: '/v1/me', headers: bearer(fixture.token) })

  t.equal(fixture.kind, 'id')
  assertInvalidToken(t, response)
  t.match(response.headers['www-authenticate'], 'error_description="an ID token is not an access token"')
  t.same(keyServer.requests, ['/.well-known/jwks.json'], 'its signature was checked first')
})
