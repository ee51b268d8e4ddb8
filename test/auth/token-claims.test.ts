import t from 'tap'
import type { FastifyInstance } from 'fastify'
import type { CryptoKey } from 'jose'
import { findOwnUser } from '../../src/db/users.js'
import { bearer, build, buildIssuer, TEST_AUDIENCE } from '../helper.js'
import { createSigningKey, defaultClaims } from '../support/issuer.js'
import { assertInvalidToken, changeOneCharacter, craftToken, signRs256 } from './support/tokens.js'

t.test('token claims', async (t) => {
  // One app serves every test; the second verifies at a fixed instant, so the
  // leeway edges are exact (its tokens always carry an explicit iat).
  const { app, issuer } = await build(t)
  const nowSec = Math.floor(Date.now() / 1000)
  const clocked = (await build(t, { issuer, clock: () => nowSec * 1000 })).app

  async function findStoredUser (app: FastifyInstance, sub: string) {
    return await app.userSessions.run({ sub, roles: [], permissions: [] }, findOwnUser)
  }

  t.test('C01: a properly signed token without a required claim gets 401 invalid_token', async (t) => {
    const variants: Array<[string, Parameters<typeof issuer.sign>[0]]> = [
      ['iss removed', { omit: ['iss'], claims: { sub: 'auth0|c01-iss' } }],
      ['exp removed', { omit: ['exp'], claims: { sub: 'auth0|c01-exp' } }],
      ['sub removed', { omit: ['sub'] }],
      ['aud removed', { omit: ['aud'], claims: { sub: 'auth0|c01-aud' } }],
      ['iss is the number 12345', { claims: { iss: 12345, sub: 'auth0|c01-num' } }],
      ['sub is a number', { claims: { sub: 42 } }],
      ['aud is a number', { claims: { aud: 7, sub: 'auth0|c01-audnum' } }]
    ]

    for (const [name, options] of variants) {
      const response = await app.inject({ url: '/v1/me', headers: bearer(await issuer.sign(options)) })

      assertInvalidToken(t, response, name)
    }
    for (const sub of ['auth0|c01-iss', 'auth0|c01-exp', 'auth0|c01-aud', 'auth0|c01-num', 'auth0|c01-audnum']) {
      t.equal(await findStoredUser(app, sub), undefined, `no user row for ${sub}`)
    }
    await app.inject({ url: '/v1/me', headers: bearer(await issuer.sign({ claims: { sub: 'auth0|c01-ok' } })) })
    t.equal((await findStoredUser(app, 'auth0|c01-ok'))?.sub, 'auth0|c01-ok', 'an accepted token does store its user')
  })

  t.test('C10: accepts a token from an issuer whose clock runs 5 s ahead', async (t) => {
    const token = await issuer.sign({ claims: { iat: nowSec + 5, nbf: nowSec + 5 } })

    const response = await clocked.inject({ url: '/v1/me', headers: bearer(token) })

    t.equal(response.statusCode, 200, response.body)
  })

  t.test('C10: accepts a token that expired within the 5 s leeway', async (t) => {
    const token = await issuer.sign({ claims: { iat: nowSec - 3600, exp: nowSec - 3 } })

    const response = await clocked.inject({ url: '/v1/me', headers: bearer(token) })

    t.equal(response.statusCode, 200, response.body)
  })

  t.test('C10: refuses nbf or iat in the future beyond the leeway, and exp long past', async (t) => {
    const variants: Array<[string, Record<string, unknown>, string]> = [
      ['nbf = now + 600', { nbf: nowSec + 600 }, 'the token is not valid yet'],
      ['nbf = now + 6', { nbf: nowSec + 6 }, 'the token is not valid yet'],
      ['iat = now + 86400', { iat: nowSec + 86_400 }, 'the token was issued in the future'],
      ['exp = now - 600', { iat: nowSec - 3600, exp: nowSec - 600 }, 'the token has expired'],
      ['exp = now - 6', { iat: nowSec - 3600, exp: nowSec - 6 }, 'the token has expired'],
      ['nbf = "soon"', { nbf: 'soon' }, 'a claim has the wrong type'],
      ['exp = "later"', { exp: 'later' }, 'a claim has the wrong type'],
      ['iat = "now"', { iat: 'now' }, 'the token was issued in the future']
    ]

    for (const [name, claims, description] of variants) {
      const response = await clocked.inject({ url: '/v1/me', headers: bearer(await issuer.sign({ claims: { iat: nowSec, ...claims } })) })

      assertInvalidToken(t, response, name)
      t.match(response.headers['www-authenticate'], `error_description="${description}"`, name)
    }
  })

  t.test('C11: an expired token holding every permission gets 401, not 403', async (t) => {
    const token = await issuer.sign({
      claims: {
        iat: nowSec - 7200,
        exp: nowSec - 600,
        permissions: ['read:documents', 'write:documents', 'delete:documents', 'admin']
      }
    })

    const response = await clocked.inject({ url: '/v1/me', headers: bearer(token) })

    assertInvalidToken(t, response)
    t.equal(response.json().code, 'AUTH_TOKEN_EXPIRED')
  })

  t.test('C11: a token for another audience gets 401, whatever it grants', async (t) => {
    const variants = ['https://other.example.test', ['https://other.example.test', 'x'], [], `${TEST_AUDIENCE}/`]

    for (const aud of variants) {
      const token = await issuer.sign({ claims: { aud, permissions: ['admin', 'delete:documents'] } })

      const response = await app.inject({ url: '/v1/me', headers: bearer(token) })

      assertInvalidToken(t, response, JSON.stringify(aud))
    }
  })

  t.test('accepts an audience array that contains the configured audience', async (t) => {
    const token = await issuer.sign({ claims: { aud: ['https://tenant.example.test/userinfo', TEST_AUDIENCE] } })

    const response = await app.inject({ url: '/v1/me', headers: bearer(token) })

    t.equal(response.statusCode, 200, response.body)
  })

  t.test('C15: an ID token gets 401 and provisions no user', async (t) => {
    const token = await issuer.sign({
      omit: ['azp', 'scope', 'permissions'],
      claims: {
        sub: 'auth0|c15-id',
        aud: 'client-spa-test',
        nonce: 'n-0001',
        name: 'Test User A',
        email: 'user-a@example.test'
      }
    })

    const response = await app.inject({ url: '/v1/me', headers: bearer(token) })

    assertInvalidToken(t, response)
    t.equal(await findStoredUser(app, 'auth0|c15-id'), undefined)
  })

  t.test('C15: accepts an access token typed at+jwt or application/at+jwt', async (t) => {
    for (const typ of ['at+jwt', 'application/at+jwt', 'JWT']) {
      const token = await issuer.sign({ header: { typ } })

      const response = await app.inject({ url: '/v1/me', headers: bearer(token) })

      t.equal(response.statusCode, 200, `${typ}: ${response.body}`)
    }
  })

  t.test('C15: an ID-token shape with the API in its audience gets 401', async (t) => {
    const variants: Array<Record<string, unknown>> = [
      { nonce: 'n-0001', at_hash: 'LFL312TWX1FsUMk-4Gh1ag' },
      { nonce: 'n-0001' },
      { at_hash: 'LFL312TWX1FsUMk-4Gh1ag' },
      { c_hash: 'x' }
    ]

    for (const markers of variants) {
      const token = await issuer.sign({
        claims: { sub: 'auth0|c15-shape', aud: ['client-spa-test', TEST_AUDIENCE], ...markers }
      })

      const response = await app.inject({ url: '/v1/me', headers: bearer(token) })

      assertInvalidToken(t, response, Object.keys(markers).join('+'))
      t.match(response.headers['www-authenticate'], 'error_description="an ID token is not an access token"')
    }
    t.equal(await findStoredUser(app, 'auth0|c15-shape'), undefined)
  })

  t.test('refuses a token whose typ is not an access-token type', async (t) => {
    for (const typ of ['id+jwt', 'JOSE', 'logout+jwt']) {
      const response = await app.inject({ url: '/v1/me', headers: bearer(await issuer.sign({ header: { typ } })) })

      assertInvalidToken(t, response, typ)
    }
  })

  t.test('accepts a token without typ, as older tenants issue them', async (t) => {
    const response = await app.inject({ url: '/v1/me', headers: bearer(await issuer.sign({ header: { typ: undefined } })) })

    t.equal(response.statusCode, 200, response.body)
  })

  t.test('refuses a token with a critical header extension it does not understand', async (t) => {
    const header = { alg: 'RS256', typ: 'JWT', kid: 'key-1', crit: ['exp-policy'], 'exp-policy': 1 }
    const token = await signRs256(issuer.keys[0]?.privateKey as CryptoKey, header, defaultClaims(issuer))

    const response = await app.inject({ url: '/v1/me', headers: bearer(token) })

    assertInvalidToken(t, response)
  })

  t.test('follows the configured algorithm allow-list: ES256 only', async (t) => {
    const ecIssuer = await buildIssuer(t)
    const ecKey = await createSigningKey('ec-1', 'ES256')
    ecIssuer.keys.push(ecKey)
    const ec = (await build(t, { issuer: ecIssuer, env: { AUTH0_ALGORITHMS: 'ES256' } })).app

    const accepted = await ec.inject({ url: '/v1/me', headers: bearer(await ecIssuer.sign({ key: ecKey, header: { alg: 'ES256' } })) })
    const rsa = await ec.inject({ url: '/v1/me', headers: bearer(await ecIssuer.sign()) })
    const mislabelled = await ec.inject({
      url: '/v1/me',
      headers: bearer(await ecIssuer.sign({ header: { alg: 'RS256', kid: 'ec-1' } }))
    })

    t.equal(accepted.statusCode, 200, accepted.body)
    assertInvalidToken(t, rsa, 'RS256 is not on the list')
    assertInvalidToken(t, mislabelled, 'an RSA signature under the EC key id')
  })

  t.test('refuses alg none, with or without a signature', async (t) => {
    const payload = defaultClaims(issuer)
    const getsBefore = issuer.jwksGets()

    for (const alg of ['none', 'None', 'NONE']) {
      for (const signature of ['', 'c2ln']) {
        const token = craftToken({ alg, typ: 'JWT', kid: 'key-1' }, payload, signature)

        const response = await app.inject({ url: '/v1/me', headers: bearer(token) })

        assertInvalidToken(t, response, `${alg} "${signature}"`)
      }
    }
    t.equal(issuer.jwksGets(), getsBefore, 'no key lookup for an unsigned token')
  })

  t.test('refuses a token without a kid', async (t) => {
    const token = await issuer.sign({ header: { kid: undefined } })

    const response = await app.inject({ url: '/v1/me', headers: bearer(token) })

    assertInvalidToken(t, response)
  })

  t.test('refuses a token whose header or payload is not JSON', async (t) => {
    const header = Buffer.from('{"alg":"RS256","kid":"key-1"}').toString('base64url')
    const garbage = Buffer.from('{not json').toString('base64url')
    const tokens = [
      `${header}.${garbage}.c2ln`,
      `${garbage}.${Buffer.from(JSON.stringify(defaultClaims(issuer))).toString('base64url')}.c2ln`,
      craftToken({ alg: 'RS256', kid: 'key-1' }, '"just a string"'),
      craftToken({ alg: 'RS256', kid: 'key-1' }, '[1,2]'),
      craftToken('null', defaultClaims(issuer)),
      'abc',
      'a.b',
      `${header}..c2ln`
    ]

    for (const token of tokens) {
      const response = await app.inject({ url: '/v1/me', headers: bearer(token) })

      assertInvalidToken(t, response, token)
    }
  })

  t.test('refuses a genuine token with one character changed', async (t) => {
    const token = await issuer.sign()
    const payloadAt = token.indexOf('.') + 5

    const signature = await app.inject({ url: '/v1/me', headers: bearer(changeOneCharacter(token)) })
    const payload = await app.inject({ url: '/v1/me', headers: bearer(changeOneCharacter(token, payloadAt)) })
    const unsigned = await app.inject({ url: '/v1/me', headers: bearer(token.slice(0, token.lastIndexOf('.') + 1)) })

    assertInvalidToken(t, signature, 'signature changed')
    assertInvalidToken(t, payload, 'payload changed')
    assertInvalidToken(t, unsigned, 'signature removed')
  })

  t.test('refuses a token signed by a key the issuer does not publish under that kid', async (t) => {
    const impostor = await createSigningKey('key-1')

    const response = await app.inject({ url: '/v1/me', headers: bearer(await issuer.sign({ key: impostor })) })

    assertInvalidToken(t, response)
    t.match(response.headers['www-authenticate'], 'error_description="the signature is invalid"')
  })
})
