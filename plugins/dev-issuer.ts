import '@fastify/swagger'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { AppOptions } from '../src/app-options.js'
import { DEV_ISSUER_PATH, loadDevIssuerKey, mintDevToken, type DevTokenContext } from '../src/dev-issuer/issuer.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Present only when the built-in development issuer runs. */
    devIssuer?: DevTokenContext
  }
}

const TokenRequestSchema = Type.Object({
  sub: Type.String({ minLength: 1, maxLength: 256, default: 'auth0|dev-user' }),
  email: Type.Optional(Type.String({ maxLength: 256 })),
  name: Type.Optional(Type.String({ maxLength: 256 })),
  roles: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 20 })),
  permissions: Type.Optional(Type.Array(Type.String({ maxLength: 128 }), { maxItems: 100 })),
  mfa: Type.Optional(Type.Boolean())
}, { additionalProperties: false })

/**
 * Serves the development issuer's JWKS and a token endpoint under /dev/.
 * Settings never enable it in production (see buildSettings).
 */
async function devIssuerPlugin (fastify: FastifyInstance, opts: AppOptions): Promise<void> {
  const { settings } = opts
  if (!settings.devIssuer || settings.production) return

  const key = await loadDevIssuerKey(settings.env.DATA_DIR)
  const context: DevTokenContext = {
    key,
    issuer: settings.issuer,
    audience: settings.audiences[0] as string,
    claimsNamespace: settings.claimsNamespace
  }
  fastify.decorate('devIssuer', context)

  fastify.get(`${DEV_ISSUER_PATH}.well-known/jwks.json`, {
    schema: { hide: true }
  }, async () => ({ keys: [key.publicJwk] }))

  fastify.post(`${DEV_ISSUER_PATH}token`, {
    schema: { hide: true, body: TokenRequestSchema }
  }, async (request) => {
    const accessToken = await mintDevToken(context, request.body as never)
    return { access_token: accessToken, token_type: 'Bearer', expires_in: 3600 }
  })
}

export default fp(devIssuerPlugin, { name: 'dev-issuer' })
