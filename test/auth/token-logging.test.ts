import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { bearer, build, buildIssuer } from '../helper.js'
import { createSigningKey, defaultClaims } from '../support/issuer.js'
import { changeOneCharacter, hmacToken } from './support/tokens.js'

t.test('no token reaches the logs, for accepted and rejected requests alike', async (t) => {
  const lines: string[] = []
  const issuer = await buildIssuer(t)
  const { app } = await build(t, {
    issuer,
    env: { LOG_LEVEL: 'trace' },
    logStream: { write: (line: string) => { lines.push(line) } }
  })
  const valid = await issuer.sign()
  const stranger = await createSigningKey('kid-unknown')
  const tokens = {
    valid,
    tampered: changeOneCharacter(valid),
    expired: await issuer.sign({ claims: { iat: 1_600_000_000, exp: 1_600_000_600 } }),
    hmac: hmacToken('secret', { alg: 'HS256', typ: 'JWT', kid: 'key-1' }, defaultClaims(issuer)),
    unknownKid: await issuer.sign({ key: stranger }),
    idToken: await issuer.sign({ claims: { nonce: 'n-1' } }),
    foreignIssuer: await issuer.sign({ claims: { iss: 'https://evil.example/' } })
  }
  const statuses: number[] = []

  issuer.state = 'fail'
  statuses.push((await app.inject({ url: '/v1/me', headers: bearer(valid) })).statusCode)
  issuer.state = 'healthy'
  await sleep(1_100)
  for (const token of Object.values(tokens)) {
    statuses.push((await app.inject({ url: '/v1/me', headers: bearer(token) })).statusCode)
  }
  const malformed = [`Bearer ${valid} ${valid}`, `Basic ${valid}`, `Bearer\t${valid}`]
  for (const authorization of malformed) {
    statuses.push((await app.inject({ url: '/v1/me', headers: { authorization } })).statusCode)
  }
  statuses.push((await app.inject({ url: `/v1/me?access_token=${valid}` })).statusCode)
  await sleep(50)

  t.same(statuses.slice(0, 2), [503, 200], 'the outage and the accepted request are both exercised')
  t.ok(statuses.slice(2).every((status) => status === 400 || status === 401), statuses.join(','))
  t.ok(lines.length > 20, `${lines.length} log lines captured`)
  t.ok(lines.some((line) => line.includes('"statusCode":401')), 'rejections are logged')
  t.ok(lines.some((line) => line.includes('jwks fetch failed')), 'the outage is logged')
  for (const [name, token] of Object.entries(tokens)) {
    const signature = token.slice(token.lastIndexOf('.') + 1)
    const leaks = lines.filter((line) => line.includes(token) || line.includes(signature))

    t.same(leaks, [], `${name}: neither the token nor its signature is logged`)
  }
})
