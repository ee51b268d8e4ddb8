import '@fastify/swagger'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import type { AppOptions } from '../src/app-options.js'
import { DEV_ISSUER_PATH, loadDevIssuerKey, mintDevToken, type DevTokenContext } from '../src/dev-issuer/issuer.js'
import { DEV_TOKEN_TTL_SEC } from '../src/dev-issuer/issuer.js'
import {
  buildPasswordGrantToken,
  DEV_USERNAME_PATTERN,
  type PasswordGrantForm
} from '../src/dev-issuer/password-grant.js'

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

  await fastify.register(devOAuthTokenRoute, { context })
}

const PasswordGrantSchema = Type.Object({
  grant_type: Type.Literal('password'),
  username: Type.String({ pattern: DEV_USERNAME_PATTERN }),
  password: Type.Optional(Type.String({ maxLength: 256 })),
  scope: Type.Optional(Type.String({ maxLength: 1024 }))
})
const FORM_BODY_LIMIT_BYTES = 4096

/**
 * An OAuth 2.0 password grant (RFC 6749 §4.3) on the development issuer, so
 * Swagger UI's Authorize dialog can get a token without leaving the page.
 * Encapsulated: form bodies are parsed on this route only.
 */
async function devOAuthTokenRoute (fastify: FastifyInstance, opts: { context: DevTokenContext }): Promise<void> {
  fastify.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT_BYTES },
    (_request, body, done) => { done(null, Object.fromEntries(new URLSearchParams(body as string))) }
  )

  fastify.post(`${DEV_ISSUER_PATH}oauth/token`, {
    schema: { hide: true, body: PasswordGrantSchema }
  }, async (request) => {
    const tokenRequest = buildPasswordGrantToken(request.body as PasswordGrantForm)
    const accessToken = await mintDevToken(opts.context, tokenRequest)
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: DEV_TOKEN_TTL_SEC,
      scope: tokenRequest.scope
    }
  })
}

export default fp(devIssuerPlugin, { name: 'dev-issuer' })
