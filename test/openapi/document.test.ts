import t from 'tap'
import { Validator } from '@seriousme/openapi-schema-validator'
import { bearer, build, buildIssuer } from '../helper.js'
import { OPENAPI_ENV } from '../../src/openapi/render.js'

type Operation = {
  operationId?: string
  summary?: string
  tags?: string[]
  parameters?: Array<{ in: string, name: string }>
  security?: Array<Record<string, string[]>>
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>
}
type Document = {
  tags: Array<{ name: string, description?: string }>
  components: { securitySchemes: Record<string, any> }
  paths: Record<string, Record<string, Operation>>
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch']

function operationsOf (document: Document) {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({ path, method, operation })))
}

// A placeholder for every path parameter, enough to reach the auth hooks.
function urlOf (path: string): string {
  return path.replace(/\{[^}]+\}/g, 'placeholder')
}

// The placeholder tenant of the committed document, with its keys served
// by the local issuer so that no test reaches the internet.
const TENANT_ISSUER = 'https://your-tenant.eu.auth0.com/'

async function buildDocumented (t: Parameters<typeof build>[0]) {
  const issuer = await buildIssuer(t)
  const env = { ...OPENAPI_ENV, AUTH0_JWKS_URI: `${issuer.url}.well-known/jwks.json` }
  const { app } = await build(t, { issuer, env })
  const document = (await app.inject({ url: '/openapi.json' })).json() as Document
  return { app, issuer, document }
}

// One app serves the whole file; the tests only read from it.
t.test('the OpenAPI document of the app', async (t) => {
  const { app, issuer, document } = await buildDocumented(t)

  t.test('the document validates against the OpenAPI 3.1 schema', async (t) => {
    const result = await new Validator().validate(document)

    t.same(result.errors, undefined)
    t.equal(result.valid, true)
    t.equal((document as unknown as { openapi: string }).openapi, '3.1.0')
  })

  t.test('no operation takes the Authorization header as a parameter (C17)', async (t) => {
    const headerParameters = operationsOf(document).flatMap(({ operation }) =>
      (operation.parameters ?? []).filter((parameter) => parameter.in === 'header'))

    t.same(headerParameters.filter((p) => p.name.toLowerCase() === 'authorization'), [])
  })

  t.test('declares a bearer JWT scheme and Auth0 authorization code with the API permissions as scopes', async (t) => {
    const { bearerAuth, auth0 } = document.components.securitySchemes

    t.match(bearerAuth, { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    t.equal(auth0.type, 'oauth2')
    t.same(Object.keys(auth0.flows), ['authorizationCode'])
    t.equal(auth0.flows.authorizationCode.authorizationUrl, 'https://your-tenant.eu.auth0.com/authorize')
    t.equal(auth0.flows.authorizationCode.tokenUrl, 'https://your-tenant.eu.auth0.com/oauth/token')
    t.same(Object.keys(auth0.flows.authorizationCode.scopes).sort(), [
      'admin', 'delete:documents', 'manage:teams', 'read:documents', 'write:documents', 'write:own_documents'
    ])
  })

  t.test('every /v1 operation requires bearer or Auth0 and public routes require nothing (C17)', async (t) => {
    for (const { path, method, operation } of operationsOf(document)) {
      const schemes = (operation.security ?? []).flatMap((requirement) => Object.keys(requirement))
      if (path.startsWith('/v1/') || path === '/v1') {
        t.ok(schemes.includes('bearerAuth') && schemes.includes('auth0'), `${method} ${path} lists both schemes`)
      } else {
        t.same(operation.security, [], `${method} ${path} is public`)
      }
    }
    t.same(document.paths['/healthz']?.get?.security, [])
    t.same(document.paths['/readyz']?.get?.security, [])
  })

  t.test('GET /v1/me without Authorization is 401, not a header validation error (C17)', async (t) => {
    const response = await app.inject({ url: '/v1/me' })

    t.equal(response.statusCode, 401)
    t.equal(response.json().code, 'AUTH_TOKEN_MISSING')
  })

  t.test('every operation that lists security answers 401 without a token, and no public one does', async (t) => {
    for (const { path, method, operation } of operationsOf(document)) {
      const response = await app.inject({ method: method.toUpperCase() as 'GET', url: urlOf(path) })
      const secured = (operation.security ?? []).length > 0
      t.equal(response.statusCode === 401, secured, `${method} ${path}: ${response.statusCode} ${response.body}`)
    }
  })

  t.test('a token without the listed scopes gets 403 naming exactly those scopes', async (t) => {
    const token = await issuer.sign({
      claims: { iss: TENANT_ISSUER, scope: 'openid', permissions: [] }
    })
    const guarded = operationsOf(document).filter(({ path, method, operation }) =>
      method === 'get' && !path.includes('{') && (operation.security?.[0]?.bearerAuth ?? []).length > 0)

    t.ok(guarded.length > 0, 'at least one guarded GET without path parameters')
    for (const { path, operation } of guarded) {
      const response = await app.inject({ url: path, headers: bearer(token) })
      const scopes = operation.security?.[0]?.bearerAuth ?? []
      t.equal(response.statusCode, 403, `GET ${path}`)
      t.match(response.headers['www-authenticate'], `scope="${scopes.join(' ')}"`)
    }
  })

  t.test('every operation has an id, a summary, declared tags and responses in the shared Error shape', async (t) => {
    const declaredTags = new Map(document.tags.map((tag) => [tag.name, tag.description]))
    const ids = new Set<string>()

    for (const { path, method, operation } of operationsOf(document)) {
      const where = `${method} ${path}`
      t.ok(operation.operationId && !ids.has(operation.operationId), `${where} has a unique operationId`)
      ids.add(operation.operationId as string)
      t.ok(operation.summary, `${where} has a summary`)
      t.ok(operation.tags?.length && operation.tags.every((tag) => declaredTags.get(tag)), `${where} tags are described`)
      t.ok(Object.keys(operation.responses).some((status) => status.startsWith('2')), `${where} has a success response`)
      for (const [status, response] of Object.entries(operation.responses)) {
        // Readiness reports its failed checks in its own shape.
        if (Number(status) < 400 || (path === '/readyz' && status === '503')) continue
        const schema = response.content?.['application/json']?.schema
        t.equal(schema?.$ref, '#/components/schemas/Error', `${where} ${status} is an Error`)
      }
    }
  })

  t.test('/openapi.yaml and the Swagger UI document describe the same API as /openapi.json', async (t) => {
    const json = await app.inject({ url: '/openapi.json' })
    const yaml = await app.inject({ url: '/openapi.yaml' })
    const ui = await app.inject({ url: '/docs/json' })

    t.equal(json.statusCode, 200)
    t.match(yaml.headers['content-type'], /^application\/yaml/)
    t.match(yaml.body, /^openapi: 3\.1\.0$/m)
    t.same(ui.json(), json.json())
  })

  t.test('Swagger UI is served at /docs with PKCE and the API audience for Auth0', async (t) => {
    const page = await app.inject({ url: '/docs/' })
    const initializer = await app.inject({ url: '/docs/static/swagger-initializer.js' })

    t.equal(page.statusCode, 200)
    t.match(page.headers['content-type'], /^text\/html/)
    t.match(initializer.body, /"usePkceWithAuthorizationCodeGrant":\s*true/)
    t.match(initializer.body, /"audience":\s*"https:\/\/api\.example\.test"/)
  })

  t.test('a response carries only the fields its schema declares', async (t) => {
    const token = await issuer.sign({ claims: { iss: TENANT_ISSUER, sub: 'auth0|serialized' } })
    const meSchema = (document as any).paths['/v1/me'].get.responses['200'].content['application/json'].schema

    const response = await app.inject({ url: '/v1/me', headers: bearer(token) })

    t.equal(response.statusCode, 200)
    const body = response.json()
    t.same(Object.keys(body).sort(), Object.keys(meSchema.properties).sort())
    for (const part of ['user', 'identity']) {
      const declared = Object.keys(meSchema.properties[part].properties)
      t.same(Object.keys(body[part]).filter((key) => !declared.includes(key)), [], `${part} has no extra field`)
    }
  })
})
