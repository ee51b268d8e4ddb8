import { randomUUID } from 'node:crypto'
import type { Server } from 'node:http'
import type { FastifyHttpOptions, FastifyServerOptions } from 'fastify'
import type { Env } from './config.js'
import { handleClientError, handleFrameworkError } from './framework-errors.js'
import { buildLoggerOptions } from './logger.js'

// An incoming x-request-id is kept only when it looks like an id, so a
// client cannot inject text into log lines.
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/
export const BODY_LIMIT_BYTES = 1024 * 1024
// Node's own default, set explicitly so it is documented: an Auth0 token
// with ~250 permissions is about 7 KiB; larger header blocks get 431.
export const HEADER_LIMIT_BYTES = 16 * 1024
// A client that trickles its request for longer than this is cut off.
export const REQUEST_TIMEOUT_MS = 30_000
// Longer path parameters (ids) are answered 414 without reaching a handler.
export const MAX_PARAM_LENGTH = 200

export type ServerEnv = Pick<Env, 'TRUST_PROXY' | 'BODY_LIMIT_BYTES'>

/** "true", a hop count, or a list of proxy addresses, as Fastify takes it. */
export function parseTrustProxy (value: string): FastifyServerOptions['trustProxy'] {
  const trimmed = value.trim()
  if (trimmed === '' || trimmed === 'false') return false
  if (trimmed === 'true') return true
  if (/^[0-9]+$/.test(trimmed)) {
    const hops = Number(trimmed)
    return (_address: string, hop: number) => hop < hops
  }
  return trimmed
}

export function buildFastifyOptions (logLevel: string, env?: ServerEnv): FastifyHttpOptions<Server> {
  return {
    logger: buildLoggerOptions(logLevel),
    requestIdHeader: false,
    genReqId (request) {
      const incoming = request.headers['x-request-id']
      return typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID()
    },
    bodyLimit: env?.BODY_LIMIT_BYTES ?? BODY_LIMIT_BYTES,
    trustProxy: parseTrustProxy(env?.TRUST_PROXY ?? 'false'),
    http: { maxHeaderSize: HEADER_LIMIT_BYTES },
    requestTimeout: REQUEST_TIMEOUT_MS,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    return503OnClosing: true,
    frameworkErrors: handleFrameworkError,
    clientErrorHandler: handleClientError,
    ajv: {
      customOptions: {
        removeAdditional: false,
        coerceTypes: 'array',
        allErrors: false
      }
    }
  }
}
