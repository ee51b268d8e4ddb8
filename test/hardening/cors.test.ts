import t from 'tap'
import { build } from '../helper.js'

const SPA = 'https://app.example.test'

function preflight (origin: string) {
  return {
    method: 'OPTIONS' as const,
    url: '/v1/me',
    headers: {
      origin,
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'authorization'
    }
  }
}

t.test('answers a preflight from a configured SPA origin', async (t) => {
  const { app } = await build(t, { env: { CORS_ORIGINS: `${SPA}, https://admin.example.test` } })

  const response = await app.inject(preflight(SPA))

  t.equal(response.statusCode, 204)
  t.equal(response.headers['access-control-allow-origin'], SPA)
  t.match(response.headers['access-control-allow-headers'], /Authorization/i)
  t.notOk(response.headers['access-control-allow-credentials'])
})

t.test('exposes the challenge and rate-limit headers to the SPA on real requests', async (t) => {
  const { app } = await build(t, { env: { CORS_ORIGINS: SPA } })

  const response = await app.inject({ url: '/v1/me', headers: { origin: SPA } })

  t.equal(response.statusCode, 401)
  t.equal(response.headers['access-control-allow-origin'], SPA)
  t.match(response.headers['access-control-expose-headers'], /WWW-Authenticate/)
  t.match(response.headers['access-control-expose-headers'], /Retry-After/)
})

t.test('sends no CORS headers to an origin that is not configured', async (t) => {
  const { app } = await build(t, { env: { CORS_ORIGINS: SPA } })

  const response = await app.inject(preflight('https://evil.example.test'))
  const request = await app.inject({ url: '/v1/me', headers: { origin: 'https://evil.example.test' } })

  t.notOk(response.headers['access-control-allow-origin'])
  t.notOk(request.headers['access-control-allow-origin'])
})

t.test('sends no CORS headers at all when no origin is configured', async (t) => {
  const { app } = await build(t)

  const response = await app.inject(preflight(SPA))

  t.notOk(response.headers['access-control-allow-origin'])
})

t.test('refuses to start with an origin that is not a bare origin', async (t) => {
  await t.rejects(build(t, { env: { CORS_ORIGINS: 'https://app.example.test/path' } }), /CORS_ORIGINS/)
})
