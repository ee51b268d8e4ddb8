import t from 'tap'
import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { bearer, build } from '../helper.js'

const WRITER = { permissions: ['read:documents', 'write:documents'] }

interface RawResponse {
  statusCode: number
  body: string
}

// Over a real socket: header limits live in Node's HTTP parser, which
// app.inject does not go through.
async function listen (app: FastifyInstance): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  return (app.server.address() as AddressInfo).port
}

function send (port: number, path: string, headers: Record<string, string | string[]>): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let body = ''
      res.on('data', (chunk) => { body += chunk })
      res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

// One app for the file: building one per test costs more than the tests.
// Tests that need other settings build their own. It is not closed: the
// helper ends the process when the file's tests are done (a teardown on the
// root test would run after that exit and leave the file unfinished).
const shared = build({ teardown () {} }).then(async (built) => ({ ...built, port: await listen(built.app) }))

t.test('accepts a token carrying 250 permissions, well under the header limit (C14)', async (t) => {
  const { issuer, port } = await shared
  const permissions = ['read:documents', ...Array.from({ length: 249 }, (_, i) => `perm:${String(i).padStart(3, '0')}:read`)]
  const token = await issuer.sign({ claims: { permissions } })

  const response = await send(port, '/v1/documents', bearer(token))

  t.equal(response.statusCode, 200)
})

t.test('answers 431 to a 20 KiB Authorization header and keeps serving (C14)', async (t) => {
  const { issuer, port } = await shared
  const token = await issuer.sign()

  const huge = await send(port, '/v1/documents', { authorization: `Bearer ${'a'.repeat(20 * 1024)}` })
  const next = await send(port, '/v1/documents', bearer(token))

  t.equal(huge.statusCode, 431)
  t.equal(next.statusCode, 200)
})

t.test('answers 431 to twenty parallel 64 KiB headers and stays up (C14)', async (t) => {
  const { issuer, port } = await shared
  const token = await issuer.sign()
  const header = { authorization: `Bearer ${'b'.repeat(64 * 1024)}` }

  const responses = await Promise.all(Array.from({ length: 20 }, () => send(port, '/v1/me', header)))
  const next = await send(port, '/v1/me', bearer(token))

  t.same(new Set(responses.map((response) => response.statusCode)), new Set([431]))
  t.equal(next.statusCode, 200)
})

t.test('answers 413 to a body over the limit', async (t) => {
  const { app, issuer } = await build(t, { env: { BODY_LIMIT_BYTES: '2048' } })
  const token = await issuer.sign({ claims: WRITER })

  const response = await app.inject({
    method: 'POST',
    url: '/v1/documents',
    headers: { ...bearer(token), 'content-type': 'application/json' },
    payload: JSON.stringify({ title: 'big', body: 'x'.repeat(4096) })
  })

  t.equal(response.statusCode, 413)
  t.equal(response.json().code, 'FST_ERR_CTP_BODY_TOO_LARGE')
})

t.test('answers 400 to malformed or non-object bodies and 415 to an unknown media type', async (t) => {
  const { app, issuer } = await shared
  const token = await issuer.sign({ claims: WRITER })
  const post = (contentType: string, payload: string) => app.inject({
    method: 'POST',
    url: '/v1/documents',
    headers: { ...bearer(token), 'content-type': contentType },
    payload
  })

  const malformed = await post('application/json', '{"title": "x",')
  const poisoned = await post('application/json', '{"title": "x", "__proto__": {"admin": true}}')
  const text = await post('text/plain', 'title=x')
  const form = await post('application/x-www-form-urlencoded', 'title=x')

  t.equal(malformed.statusCode, 400)
  t.equal(malformed.json().code, 'FST_ERR_CTP_INVALID_JSON_BODY')
  t.equal(poisoned.statusCode, 400)
  t.equal(text.statusCode, 400)
  t.equal(text.json().code, 'REQUEST_INVALID')
  t.equal(form.statusCode, 415)
})

t.test('answers 400 naming the field that breaks the schema', async (t) => {
  const { app, issuer } = await shared
  const token = await issuer.sign({ claims: WRITER })

  const response = await app.inject({
    method: 'POST',
    url: '/v1/documents',
    headers: bearer(token),
    payload: { title: 'x'.repeat(500) }
  })
  const unknownField = await app.inject({
    method: 'POST',
    url: '/v1/documents',
    headers: bearer(token),
    payload: { title: 'ok', owner: 'auth0|someone-else' }
  })

  t.equal(response.statusCode, 400)
  t.equal(response.json().code, 'REQUEST_INVALID')
  t.match(response.json().message, /title/)
  t.equal(unknownField.statusCode, 400)
  t.match(unknownField.json().message, /additional properties/)
})

t.test('rejects unknown query parameters on every API route, with or without a query schema', async (t) => {
  const { app, issuer } = await shared
  const token = await issuer.sign()

  const me = await app.inject({ url: '/v1/me?debug=1', headers: bearer(token) })
  const list = await app.inject({ url: '/v1/documents?debug=1', headers: bearer(token) })
  const plain = await app.inject({ url: '/v1/me', headers: bearer(token) })

  t.equal(me.statusCode, 400)
  t.equal(me.json().code, 'REQUEST_INVALID')
  t.equal(list.statusCode, 400)
  t.equal(list.json().code, 'REQUEST_INVALID')
  t.equal(plain.statusCode, 200)
})

t.test('refuses an access token in the query string, even a valid one', async (t) => {
  const { app, issuer } = await shared
  const token = await issuer.sign()

  const response = await app.inject({ url: `/v1/me?access_token=${token}` })

  t.equal(response.statusCode, 400)
  t.equal(response.json().code, 'AUTH_TOKEN_IN_QUERY')
  t.match(response.headers['www-authenticate'], /error="invalid_request"/)
  t.notOk(response.body.includes(token))
})

t.test('refuses two Authorization headers over a real socket', async (t) => {
  const { issuer, port } = await shared
  const alice = await issuer.sign({ claims: { sub: 'auth0|alice' } })
  const bob = await issuer.sign({ claims: { sub: 'auth0|bob' } })

  const response = await send(port, '/v1/me', { authorization: [`Bearer ${alice}`, `Bearer ${bob}`] })

  t.equal(response.statusCode, 400)
  t.match(response.body, /AUTH_INVALID_REQUEST/)
})

t.test('answers odd, long and traversal ids with 4xx and never reaches another record', async (t) => {
  const { app, issuer } = await shared
  const token = await issuer.sign()
  const ids = [
    'auth0|65f1c2',
    encodeURIComponent('auth0|65f1c2'),
    encodeURIComponent('ünïcødé-文書'),
    '..%2F..%2Fme',
    '%2e%2e',
    encodeURIComponent("x' OR true; DELETE document; --"),
    'a'.repeat(300),
    '%00',
    encodeURIComponent('⟩; REMOVE TABLE document')
  ]

  const statuses = []
  for (const id of ids) {
    const response = await app.inject({ url: `/v1/documents/${id}`, headers: bearer(token) })
    statuses.push(response.statusCode)
    t.notMatch(response.body, /stack|surreal|Parse error/i, `no internals for ${id.slice(0, 30)}`)
  }

  // 414 is Fastify's answer to a path parameter over maxParamLength.
  t.ok(statuses.every((status) => [400, 404, 414].includes(status)), `all 400/404/414: ${statuses.join(',')}`)
})
