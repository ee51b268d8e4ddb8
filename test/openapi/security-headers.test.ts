import t from 'tap'
import { build } from '../helper.js'
import { OPENAPI_ENV } from '../../src/openapi/render.js'
import { SWAGGER_UI_LOGO_STYLE_HASH } from '../../src/http/security-headers.js'

// Load shedding off: on a busy machine its 503s would stand in for the
// responses whose headers these tests read.
const STEADY = { MAX_EVENT_LOOP_DELAY_MS: '0' }

function directivesOf (header: unknown): Map<string, string> {
  return new Map(String(header).split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const [name, ...values] = part.split(/\s+/)
      return [name as string, values.join(' ')]
    }))
}

t.test('API responses forbid loading anything and being framed', async (t) => {
  const { app } = await build(t, { env: STEADY })

  const responses = [
    await app.inject({ url: '/healthz' }),
    await app.inject({ url: '/v1/me' }),
    await app.inject({ url: '/openapi.json' })
  ]

  for (const response of responses) {
    const csp = directivesOf(response.headers['content-security-policy'])
    t.equal(csp.get('default-src'), "'none'")
    t.equal(csp.get('frame-ancestors'), "'none'")
    t.notOk(csp.has('script-src'))
    t.equal(response.headers['x-content-type-options'], 'nosniff')
    t.equal(response.headers['cross-origin-opener-policy'], 'same-origin')
  }
})

t.test('Swagger UI may run its own scripts and styles and nothing inline or remote', async (t) => {
  const { app } = await build(t, { env: STEADY })

  const response = await app.inject({ url: '/docs/' })

  const csp = directivesOf(response.headers['content-security-policy'])
  t.equal(csp.get('script-src'), "'self'")
  t.equal(csp.get('style-src'), `'self' ${SWAGGER_UI_LOGO_STYLE_HASH}`)
  t.equal(csp.get('default-src'), "'none'")
  t.equal(csp.get('frame-ancestors'), "'none'")
  t.notMatch(response.headers['content-security-policy'], /unsafe-inline|unsafe-eval|https:|\*/)
  t.equal(response.headers['cross-origin-opener-policy'], 'same-origin-allow-popups')
})

t.test('with Auth0, the docs may call only the tenant token endpoint besides the API', async (t) => {
  const { app } = await build(t, { env: OPENAPI_ENV })

  const response = await app.inject({ url: '/docs/' })

  const csp = directivesOf(response.headers['content-security-policy'])
  t.equal(csp.get('connect-src'), "'self' https://your-tenant.eu.auth0.com")
})

t.test('the OAuth redirect page keeps its opener so the login popup can hand back the code', async (t) => {
  const { app } = await build(t, { env: STEADY })

  const response = await app.inject({ url: '/docs/static/oauth2-redirect.html' })

  t.equal(response.statusCode, 200)
  t.equal(response.headers['cross-origin-opener-policy'], 'unsafe-none')
  t.equal(directivesOf(response.headers['content-security-policy']).get('script-src'), "'self'")
})
