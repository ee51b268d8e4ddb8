import t from 'tap'
import { createPublicKey, type JsonWebKey } from 'node:crypto'
import diagnostics from 'node:diagnostics_channel'
import { exportJWK, type CryptoKey } from 'jose'
import { bearer, build, buildIssuer, TEST_NAMESPACE } from '../helper.js'
import { defaultClaims, type TestIssuer } from '../support/issuer.js'
import { assertInvalidToken, hmacToken } from './support/tokens.js'

// Every outbound TCP connection the process opens, whoever opens it.
function recordConnections (): { opened: string[], stop: () => void } {
  const opened: string[] = []
  const onSocket = () => { opened.push('net socket') }
  const onConnect = (message: unknown) => {
    opened.push(String((message as { connectParams?: { host?: string } }).connectParams?.host))
  }
  diagnostics.subscribe('net.client.socket', onSocket)
  diagnostics.subscribe('undici:client:beforeConnect', onConnect)
  return {
    opened,
    stop () {
      diagnostics.unsubscribe('net.client.socket', onSocket)
      diagnostics.unsubscribe('undici:client:beforeConnect', onConnect)
    }
  }
}

t.test('the connection recorder sees an outbound fetch', async (t) => {
  const target = await buildIssuer(t)
  const connections = recordConnections()

  await fetch(`${target.url}.well-known/jwks.json`).then((response) => response.text())
  connections.stop()

  t.ok(connections.opened.length > 0)
})

function publicPem (issuer: TestIssuer): string {
  const jwk = issuer.keys[0]?.publicJwk as JsonWebKey
  return createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string
}

t.test('C06: issuer trust', async (t) => {
  const { app, issuer } = await build(t)
  const attacker = await buildIssuer(t, { keyIds: ['attacker-1'] })
  const attackerKey = attacker.keys[0]
  const admin = { permissions: ['read:documents', 'admin:users', 'admin'], [`${TEST_NAMESPACE}roles`]: ['admin'] }
  await app.inject({ url: '/v1/me', headers: bearer(await issuer.sign()) })
  const genuineGets = issuer.jwksGets()

  t.test('refuses a self-issued token whose iss names the attacker and never contacts the attacker', async (t) => {
    const token = await attacker.sign({ claims: { ...admin, iss: attacker.url } })

    const response = await app.inject({ url: '/v1/me', headers: bearer(token) })

    assertInvalidToken(t, response)
    t.same(attacker.requests, [], 'zero requests reach the attacker')
    t.equal(issuer.jwksGets(), genuineGets, 'a foreign issuer costs no key lookup')
  })

  t.test('refuses iss = the cloud metadata address without any outbound connection', async (t) => {
    const token = await attacker.sign({ claims: { ...admin, iss: 'http://169.254.169.254/' } })
    const connections = recordConnections()

    const response = await app.inject({ url: '/v1/me', headers: bearer(token) })
    connections.stop()

    assertInvalidToken(t, response)
    t.same(connections.opened, [], 'no outbound connection at all')
  })

  t.test('ignores jku, x5u, jwk and x5c in the header of a token with the genuine iss', async (t) => {
    const jwk = await exportJWK(attackerKey?.privateKey as CryptoKey).then(({ d, p, q, dp, dq, qi, ...pub }) => pub)
    const headers = [
      { jku: `${attacker.url}.well-known/jwks.json` },
      { x5u: `${attacker.url}cert.pem` },
      { jwk: { ...jwk, kid: 'attacker-1' } },
      { x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'] },
      { jku: `${attacker.url}.well-known/jwks.json`, x5u: `${attacker.url}cert.pem`, jwk }
    ]
    const connections = recordConnections()

    for (const header of headers) {
      for (const kid of ['attacker-1', 'key-1']) {
        const token = await attacker.sign({ claims: admin, header: { ...header, kid } })

        const response = await app.inject({ url: '/v1/me', headers: bearer(token) })

        assertInvalidToken(t, response, `${Object.keys(header).join('+')} kid=${kid}`)
      }
    }
    connections.stop()

    t.same(attacker.requests, [], 'zero requests reach the attacker')
    t.same(connections.opened, [], 'no outbound connection at all')
  })
})

t.test('C07: algorithm confusion', async (t) => {
  const { app, issuer } = await build(t)
  const pem = publicPem(issuer)
  const claims = {
    ...defaultClaims(issuer),
    permissions: ['read:users', 'admin:users', 'admin', 'delete:documents'],
    [`${TEST_NAMESPACE}roles`]: ['admin'],
    amr: ['pwd', 'mfa']
  }
  const secrets: Array<[string, string]> = [
    ['PEM', pem],
    ['newline + PEM', `\n${pem}`],
    ['space + PEM', ` ${pem}`],
    ['tab + PEM', `\t${pem}`],
    ['PEM with CRLF', pem.replace(/\n/g, '\r\n')],
    ['zero-width space + PEM', `\u200b${pem}`],
    ['JWK as JSON', JSON.stringify(issuer.keys[0]?.publicJwk)],
    ['JWK n value', String(issuer.keys[0]?.publicJwk.n)]
  ]

  t.test('refuses HS256 signed with the public key in every form', async (t) => {
    for (const [name, secret] of secrets) {
      const token = hmacToken(secret, { alg: 'HS256', typ: 'JWT', kid: 'key-1' }, claims)

      const response = await app.inject({ url: '/v1/me', headers: bearer(token) })

      assertInvalidToken(t, response, name)
      t.match(response.headers['www-authenticate'], 'the signing algorithm is not accepted', name)
    }
  })

  t.test('refuses an HMAC signature under an RS256 header', async (t) => {
    const token = hmacToken(pem, { alg: 'RS256', typ: 'JWT', kid: 'key-1' }, claims)

    const response = await app.inject({ url: '/v1/me', headers: bearer(token) })

    assertInvalidToken(t, response)
  })

  t.test('refuses HS384 and HS512 too', async (t) => {
    for (const alg of ['HS384', 'HS512']) {
      const token = hmacToken(pem, { alg, typ: 'JWT', kid: 'key-1' }, claims)

      const response = await app.inject({ url: '/v1/me', headers: bearer(token) })

      assertInvalidToken(t, response, alg)
    }
  })
})

t.test('C08: issuer normalisation', async (t) => {
  t.test('accepts genuine tokens when the issuer is configured without a trailing slash', async (t) => {
    const issuer = await buildIssuer(t)
    const { app } = await build(t, { issuer, env: { AUTH0_ISSUER: issuer.origin } })

    const response = await app.inject({ url: '/v1/me', headers: bearer(await issuer.sign()) })

    t.equal(response.statusCode, 200, response.body)
    t.same(issuer.requests, ['/.well-known/jwks.json'])
  })

  t.test('accepts genuine tokens when the issuer is configured with a trailing slash', async (t) => {
    const issuer = await buildIssuer(t)
    const { app } = await build(t, { issuer, env: { AUTH0_ISSUER: issuer.url } })

    const response = await app.inject({ url: '/v1/me', headers: bearer(await issuer.sign()) })

    t.equal(response.statusCode, 200, response.body)
    t.same(issuer.requests, ['/.well-known/jwks.json'])
  })

  t.test('refuses a token iss without the slash or with another path', async (t) => {
    const issuer = await buildIssuer(t)
    const { app } = await build(t, { issuer, env: { AUTH0_ISSUER: issuer.origin } })

    for (const iss of [issuer.origin, `${issuer.origin}/other/`, `${issuer.url}/`, issuer.url.toUpperCase()]) {
      const response = await app.inject({ url: '/v1/me', headers: bearer(await issuer.sign({ claims: { iss } })) })

      assertInvalidToken(t, response, iss)
      t.match(response.headers['www-authenticate'], 'the issuer is not accepted')
    }
    t.same(issuer.requests, [], 'a wrong issuer costs no key lookup')
  })
})
