import fp from 'fastify-plugin'
import fastifyJwt from '@fastify/jwt'
import { createDecoder } from 'fast-jwt'
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify'
import type { AppOptions } from '../src/app-options.js'
import { extractBearerToken } from '../src/auth/bearer.js'
import { buildIdentity, type Claims, type Identity } from '../src/auth/identity.js'
import { buildPolicy } from '../src/auth/policy.js'
import { createSigningKeyResolver, type SigningKeyResolver } from '../src/auth/signing-keys.js'
import {
  assertAccessTokenClaims,
  assertIssuer,
  assertTokenHeader,
  describeVerifyError,
  rejectToken
} from '../src/auth/token-rules.js'
import { AuthTokenExpiredError, findChallenge, withChallenge } from '../src/errors.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook that verifies the bearer token and sets request.auth. */
    authenticate: onRequestHookHandler
    signingKeys: SigningKeyResolver
  }
  interface FastifyRequest {
    auth: Identity
  }
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: Claims
    user: Claims
  }
}

const decodeComplete = createDecoder({ complete: true })

interface DecodedToken {
  header: Claims
  payload: Claims
}

function decodeOrReject (token: string): DecodedToken {
  try {
    const decoded = decodeComplete(token) as DecodedToken
    if (typeof decoded.payload !== 'object' || decoded.payload === null) rejectToken('the token is malformed')
    return decoded
  } catch (err) {
    if (findChallenge(err)) throw err
    rejectToken('the token is malformed')
  }
}

function translateVerifyError (err: unknown): never {
  if (findChallenge(err) || (err as { statusCode?: number }).statusCode === 503) throw err

  const code = (err as { code?: string }).code
  if (code === 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED') {
    throw withChallenge(new AuthTokenExpiredError(), {
      error: 'invalid_token',
      description: 'the token has expired'
    })
  }
  rejectToken(describeVerifyError((err as Error).message ?? ''))
}

async function authPlugin (fastify: FastifyInstance, opts: AppOptions): Promise<void> {
  const { settings } = opts
  const policy = opts.policy ?? buildPolicy(settings.claimsNamespace, settings.rbac)
  const keys = createSigningKeyResolver({ jwksUri: settings.jwksUri, log: fastify.log })
  const toleranceMs = settings.clockToleranceSec * 1000

  await fastify.register(fastifyJwt, {
    secret: (_request: FastifyRequest, token: { header: Claims }) => keys.getKey(token.header),
    decode: { complete: true },
    verify: {
      algorithms: settings.algorithms as never,
      allowedIss: settings.issuer,
      allowedAud: settings.audiences,
      clockTolerance: toleranceMs,
      requiredClaims: ['iss', 'sub', 'aud', 'exp'],
      extractToken: (request: FastifyRequest) => request.bearerToken
    }
  } as never)

  fastify.decorate('signingKeys', keys)
  fastify.decorateRequest('auth', null as unknown as Identity)
  fastify.decorateRequest('bearerToken', '')

  async function verify (request: FastifyRequest): Promise<Claims> {
    const now = opts.clock?.()
    try {
      return now === undefined
        ? await request.jwtVerify()
        : await request.jwtVerify({ verify: { clockTimestamp: now } } as never)
    } catch (err) {
      translateVerifyError(err)
    }
  }

  fastify.decorate('authenticate', async function authenticate (request: FastifyRequest) {
    const token = extractBearerToken(request.raw.rawHeaders)
    const { header, payload } = decodeOrReject(token)

    assertTokenHeader(header, settings.algorithms)
    assertIssuer(payload, settings.issuer)
    request.bearerToken = token

    const claims = await verify(request)
    const nowSec = Math.floor((opts.clock?.() ?? Date.now()) / 1000)
    assertAccessTokenClaims(claims, nowSec, settings.clockToleranceSec)

    request.auth = buildIdentity(claims, policy)
  })
}

declare module 'fastify' {
  interface FastifyRequest {
    bearerToken: string
  }
}

export default fp(authPlugin, { name: 'auth' })
