import t from 'tap'
import { buildSecurity, documentRoute, findSharedErrorStatuses } from '../../src/openapi/route-docs.js'

const ERROR_REF = { $ref: 'Error' }

t.test('a /v1 route without an access rule needs any valid token', async (t) => {
  t.same(buildSecurity({ url: '/v1/me' }), [{ bearerAuth: [] }, { auth0: [] }])
})

t.test('routes outside /v1 are public', async (t) => {
  t.same(buildSecurity({ url: '/healthz' }), [])
  t.same(buildSecurity({ url: '/v1x/other', access: { permissions: ['admin'] } }), [])
})

t.test('"all" puts every permission in one requirement, "any" gives one requirement each', async (t) => {
  const permissions = ['write:documents', 'write:own_documents']

  t.same(buildSecurity({ url: '/v1/documents', access: { permissions } }), [
    { bearerAuth: permissions },
    { auth0: permissions }
  ])
  t.same(buildSecurity({ url: '/v1/documents', access: { permissions, mode: 'any' } }), [
    { bearerAuth: ['write:documents'] },
    { auth0: ['write:documents'] },
    { bearerAuth: ['write:own_documents'] },
    { auth0: ['write:own_documents'] }
  ])
})

t.test('shared error statuses follow input, authentication, guard and rate limit', async (t) => {
  t.same(findSharedErrorStatuses({}, { url: '/healthz' }), ['500'])
  t.same(findSharedErrorStatuses({ querystring: {} }, { url: '/public' }), ['400', '500'])
  t.same(findSharedErrorStatuses({}, { url: '/v1/me', rateLimited: true }), ['400', '401', '429', '500', '503'])
  t.same(
    findSharedErrorStatuses({}, { url: '/v1/audit', access: { permissions: ['admin'] } }),
    ['400', '401', '403', '500', '503']
  )
})

t.test('a route keeps its own responses and never its hand-written security', async (t) => {
  const schema = {
    security: [{ bearerAuth: [] }],
    response: { 200: { type: 'object' }, 404: { $ref: 'Error', description: 'no such thing' } }
  }

  const documented = documentRoute(schema, { url: '/v1/things/:id', access: { permissions: ['admin'] } }, ERROR_REF)

  t.same(documented.security, [{ bearerAuth: ['admin'] }, { auth0: ['admin'] }])
  t.same(documented.response?.[404], { $ref: 'Error', description: 'no such thing' })
  t.match(documented.response?.[403], { $ref: 'Error' })
  t.same(schema.security, [{ bearerAuth: [] }], 'the route options are not mutated')
})

t.test('hidden routes are left alone', async (t) => {
  const schema = { hide: true }

  t.equal(documentRoute(schema, { url: '/v1/internal' }, ERROR_REF), schema)
})

t.test('a route\'s bare Error reference is described by its status', async (t) => {
  const schema = { response: { 200: { type: 'object' }, 412: { $ref: 'Error' } } }

  const documented = documentRoute(schema, { url: '/v1/things' }, ERROR_REF)

  t.same(documented.response?.[412], { $ref: 'Error', description: 'Precondition Failed' })
  t.same(documented.response?.[200], { type: 'object' })
})
