import t from 'tap'
import { generateKeyPairSync } from 'node:crypto'
import { createSigner, createVerifier } from 'fast-jwt'
import {
  assertAccessTokenClaims,
  assertIssuer,
  assertTokenHeader,
  describeVerifyError
} from '../../../src/auth/token-rules.js'
import { findChallenge } from '../../../src/errors.js'

const ISSUER = 'https://tenant.example.test/'
const NOW_SEC = 1_700_000_000
const TOLERANCE_SEC = 5

function rejectionOf (fn: () => void): { statusCode?: number, code?: string, description?: string } {
  try {
    fn()
  } catch (err) {
    const error = err as { statusCode?: number, code?: string }
    return { statusCode: error.statusCode, code: error.code, description: findChallenge(err)?.description }
  }
  return {}
}

t.test('accepts a header with an allowed alg and an access-token typ', async (t) => {
  for (const typ of [undefined, 'JWT', 'jwt', 'at+jwt', 'AT+JWT', 'application/at+jwt']) {
    t.doesNotThrow(() => assertTokenHeader({ alg: 'RS256', typ }, ['RS256']), String(typ))
  }
})

t.test('refuses none, HMAC and any alg outside the allow-list', async (t) => {
  for (const alg of ['none', 'None', 'HS256', 'HS384', 'HS512', 'RS512', 'ES256', '', undefined, 42]) {
    const rejection = rejectionOf(() => assertTokenHeader({ alg, typ: 'JWT' }, ['RS256']))

    t.equal(rejection.statusCode, 401, String(alg))
    t.equal(rejection.code, 'AUTH_TOKEN_INVALID')
    t.equal(rejection.description, 'the signing algorithm is not accepted')
  }
})

t.test('refuses a typ that is not an access-token type', async (t) => {
  for (const typ of ['id+jwt', 'JOSE', 'logout+jwt', 'application/jwt+id', '', 1, null]) {
    const rejection = rejectionOf(() => assertTokenHeader({ alg: 'RS256', typ }, ['RS256']))

    t.equal(rejection.statusCode, 401, String(typ))
    t.equal(rejection.description, 'the token type is not an access token')
  }
})

t.test('accepts only the configured issuer, compared exactly', async (t) => {
  t.doesNotThrow(() => assertIssuer({ iss: ISSUER }, ISSUER))

  for (const iss of [
    'https://tenant.example.test',
    'https://tenant.example.test/other/',
    'https://TENANT.example.test/',
    'http://169.254.169.254/',
    12345,
    [ISSUER],
    undefined
  ]) {
    t.equal(rejectionOf(() => assertIssuer({ iss }, ISSUER)).statusCode, 401, String(iss))
  }
})

t.test('accepts a subject and an iat within the clock tolerance', async (t) => {
  const claims = { sub: 'auth0|a', iat: NOW_SEC + TOLERANCE_SEC }

  t.doesNotThrow(() => assertAccessTokenClaims(claims, NOW_SEC, TOLERANCE_SEC))
  t.doesNotThrow(() => assertAccessTokenClaims({ sub: 'auth0|a' }, NOW_SEC, TOLERANCE_SEC))
})

t.test('refuses a token without a string subject', async (t) => {
  for (const sub of [undefined, '', 42, ['auth0|a']]) {
    const rejection = rejectionOf(() => assertAccessTokenClaims({ sub }, NOW_SEC, TOLERANCE_SEC))

    t.equal(rejection.statusCode, 401, String(sub))
    t.equal(rejection.description, 'the token has no subject')
  }
})

t.test('refuses an iat beyond the clock tolerance or not a number', async (t) => {
  for (const iat of [NOW_SEC + TOLERANCE_SEC + 1, NOW_SEC + 86_400, 'yesterday', null]) {
    const rejection = rejectionOf(() => assertAccessTokenClaims({ sub: 'a', iat }, NOW_SEC, TOLERANCE_SEC))

    t.equal(rejection.statusCode, 401, String(iat))
  }
})

t.test('refuses a token that carries ID-token claims', async (t) => {
  for (const marker of ['nonce', 'at_hash', 'c_hash']) {
    const rejection = rejectionOf(() => assertAccessTokenClaims({ sub: 'a', [marker]: 'x' }, NOW_SEC, TOLERANCE_SEC))

    t.equal(rejection.description, 'an ID token is not an access token', marker)
  }
})

t.test('maps each real verifier error to a fixed short description', async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const sign = createSigner({ key: privateKey.export({ type: 'pkcs8', format: 'pem' }), algorithm: 'RS256' })
  const verify = createVerifier({
    key: publicKey.export({ type: 'spki', format: 'pem' }),
    algorithms: ['RS256'],
    allowedIss: ISSUER,
    allowedAud: ['api'],
    requiredClaims: ['iss', 'sub', 'aud', 'exp'],
    clockTimestamp: NOW_SEC * 1000
  })
  const base = { iss: ISSUER, sub: 'a', aud: 'api', exp: NOW_SEC + 60 }
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ ...base, exp: undefined }, 'a required claim is missing'],
    [{ ...base, iss: undefined }, 'a required claim is missing'],
    [{ ...base, aud: 'other' }, 'the audience is not accepted'],
    [{ ...base, aud: ['x', 'y'] }, 'the audience is not accepted'],
    [{ ...base, iss: 'https://evil.example/' }, 'the issuer is not accepted'],
    [{ ...base, nbf: NOW_SEC + 600 }, 'the token is not valid yet'],
    [{ ...base, nbf: 'soon' }, 'a claim has the wrong type'],
    [{ ...base, exp: NOW_SEC - 600 }, 'the token has expired']
  ]

  for (const [claims, expected] of cases) {
    const message = messageOf(() => verify(sign(dropUndefined(claims))))

    t.equal(describeVerifyError(message), expected, message)
  }
  const tampered = `${sign(base).slice(0, -4)}AAAA`
  t.equal(describeVerifyError(messageOf(() => verify(tampered))), 'the signature is invalid')
})

t.test('never repeats the verifier text it was given', async (t) => {
  const description = describeVerifyError('at Object.verify (/srv/node_modules/x.js:1:2) secret=abc')

  t.equal(description, 'the token could not be verified')
})

function messageOf (fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    return (err as Error).message
  }
  return 'no error'
}

function dropUndefined (claims: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined))
}
