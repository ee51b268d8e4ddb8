import t from 'tap'
import { extractBearerToken, parseBearerCredentials } from '../../../src/auth/bearer.js'
import { findChallenge } from '../../../src/errors.js'

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln'

function errorOf (fn: () => unknown): { statusCode?: number, code?: string, message?: string } {
  try {
    fn()
  } catch (err) {
    return err as { statusCode?: number, code?: string }
  }
  throw new Error('expected a throw')
}

t.test('takes the token after the Bearer scheme', async (t) => {
  t.equal(parseBearerCredentials(`Bearer ${TOKEN}`), TOKEN)
})

t.test('matches the scheme case-insensitively', async (t) => {
  t.equal(parseBearerCredentials(`bearer ${TOKEN}`), TOKEN)
  t.equal(parseBearerCredentials(`BEARER ${TOKEN}`), TOKEN)
  t.equal(parseBearerCredentials(`BeArEr ${TOKEN}`), TOKEN)
})

t.test('accepts several spaces between the scheme and the token', async (t) => {
  t.equal(parseBearerCredentials(`Bearer    ${TOKEN}`), TOKEN)
})

t.test('accepts every b64token character, padding included', async (t) => {
  t.equal(parseBearerCredentials('Bearer aZ09-._~+/=='), 'aZ09-._~+/==')
})

t.test('answers another scheme with a plain challenge', async (t) => {
  for (const header of ['Basic dXNlcjpwYXNz', 'Digest username="a"', 'Token abc', 'BearerX abc', '']) {
    const error = errorOf(() => parseBearerCredentials(header))

    t.equal(error.statusCode, 401, header)
    t.equal(error.code, 'AUTH_TOKEN_MISSING', header)
    t.same(findChallenge(error), {}, `${header}: no error attribute`)
  }
})

t.test('refuses a Bearer scheme without a token as invalid_request', async (t) => {
  for (const header of ['Bearer', 'bearer ', 'Bearer    ']) {
    const error = errorOf(() => parseBearerCredentials(header))

    t.equal(error.statusCode, 400, JSON.stringify(header))
    t.equal(error.code, 'AUTH_INVALID_REQUEST')
    t.equal(findChallenge(error)?.error, 'invalid_request')
  }
})

t.test('refuses a token with a space, a comma or a quote inside as invalid_request', async (t) => {
  for (const token of [`${TOKEN} extra`, `${TOKEN},x`, `"${TOKEN}"`, 'a=b', 'é']) {
    const error = errorOf(() => parseBearerCredentials(`Bearer ${token}`))

    t.equal(error.statusCode, 400, token)
    t.equal(findChallenge(error)?.error, 'invalid_request')
  }
})

t.test('refuses a tab between the scheme and the token as invalid_request', async (t) => {
  const error = errorOf(() => parseBearerCredentials(`Bearer\t${TOKEN}`))

  t.equal(error.statusCode, 400)
  t.equal(findChallenge(error)?.error, 'invalid_request')
})

t.test('reads the Authorization header from raw headers whatever its case', async (t) => {
  const token = extractBearerToken(['Host', 'x', 'AUTHORIZATION', `Bearer ${TOKEN}`])

  t.equal(token, TOKEN)
})

t.test('answers a request without an Authorization header with a plain challenge', async (t) => {
  const error = errorOf(() => extractBearerToken(['Host', 'x', 'Cookie', `access_token=${TOKEN}`]))

  t.equal(error.statusCode, 401)
  t.same(findChallenge(error), {})
})

t.test('refuses two Authorization headers even when both are the same', async (t) => {
  const raw = ['authorization', `Bearer ${TOKEN}`, 'Authorization', `Bearer ${TOKEN}`]

  const error = errorOf(() => extractBearerToken(raw))

  t.equal(error.statusCode, 400)
  t.equal(findChallenge(error)?.error, 'invalid_request')
})

t.test('never puts the token into an error message', async (t) => {
  const headers = [`Bearer ${TOKEN} x`, `Bearer\t${TOKEN}`, `Basic ${TOKEN}`]

  for (const header of headers) {
    const error = errorOf(() => parseBearerCredentials(header))

    t.notMatch(error.message ?? '', TOKEN)
    t.notMatch(JSON.stringify(findChallenge(error)), TOKEN)
  }
})
