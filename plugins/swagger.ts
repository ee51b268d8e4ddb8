import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance, RouteOptions } from 'fastify'
import type { AppOptions } from '../src/app-options.js'
import type { Settings } from '../src/config.js'
import {
  buildInitOAuth,
  buildOpenApiBase,
  DOCS_PREFIX,
  DOCUMENT_JSON_PATH,
  DOCUMENT_YAML_PATH,
  tokenUrlOf
} from '../src/openapi/document.js'
import { documentRoute, type RouteSchema } from '../src/openapi/route-docs.js'
import { buildDocsHelmetOptions, buildOAuthRedirectHelmetOptions } from '../src/http/security-headers.js'
import { ErrorRef } from '../src/schemas/common.js'

const DOCS_STATIC_PREFIX = `${DOCS_PREFIX}/static/`

// Shared schemas keep their $id as the component name (Error, not def-0).
function buildLocalReference (json: { $id?: string }, _baseUri: unknown, _fragment: unknown, i: number): string {
  return json.$id ?? `def-${i}`
}

function describeRoute (fastify: FastifyInstance, route: RouteOptions): void {
  const schema = (route.schema ?? {}) as RouteSchema
  const rateLimited = fastify.hasDecorator('rateLimit') &&
    (route.config as { rateLimit?: unknown } | undefined)?.rateLimit !== false

  route.schema = documentRoute(schema, {
    url: route.url,
    access: route.config?.access,
    rateLimited
  }, ErrorRef)
}

// A route at '/' under a prefix is served with and without the trailing
// slash, and Fastify leaves the slashed url on the options @fastify/swagger
// reads; the document lists the path without it.
function withoutTrailingSlash ({ schema, url }: { schema: unknown, url: string }) {
  return { schema, url: url.length > 1 && url.endsWith('/') ? url.slice(0, -1) : url }
}

function helmetForDocs (route: RouteOptions, settings: Settings): void {
  if (route.url !== DOCS_PREFIX && !route.url.startsWith(`${DOCS_PREFIX}/`)) return

  const tokenOrigins = [new URL(tokenUrlOf(settings)).origin]
  const helmet = route.url.startsWith(DOCS_STATIC_PREFIX)
    ? buildOAuthRedirectHelmetOptions(tokenOrigins)
    : buildDocsHelmetOptions(tokenOrigins)
  route.config = { ...route.config, helmet } as RouteOptions['config']
}

/**
 * The OpenAPI document comes from the route schemas alone. Every route gets
 * its security requirement and shared error responses here, from the same
 * facts the guards use, so no route declares them by hand.
 */
async function swaggerPlugin (fastify: FastifyInstance, opts: AppOptions): Promise<void> {
  const { settings } = opts

  fastify.addHook('onRoute', (route) => {
    describeRoute(fastify, route)
    helmetForDocs(route, settings)
  })

  await fastify.register(swagger, {
    openapi: buildOpenApiBase(settings) as never,
    refResolver: { buildLocalReference },
    transform: withoutTrailingSlash as never
  })
  await fastify.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    initOAuth: buildInitOAuth(settings, settings.env.AUTH0_DOCS_CLIENT_ID),
    uiConfig: { deepLinking: true, displayOperationId: true, persistAuthorization: false },
    logLevel: 'warn'
  })

  fastify.get(DOCUMENT_JSON_PATH, { schema: { hide: true } }, async () => fastify.swagger())
  fastify.get(DOCUMENT_YAML_PATH, { schema: { hide: true } }, async (_request, reply) => {
    return reply.type('application/yaml').send(fastify.swagger({ yaml: true }))
  })
}

export default fp(swaggerPlugin, { name: 'swagger', dependencies: ['security-headers'] })
