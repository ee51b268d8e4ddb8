import { randomUUID } from 'node:crypto'
import type { FastifyServerOptions } from 'fastify'
import { buildLoggerOptions } from './logger.js'

// An incoming x-request-id is kept only when it looks like an id, so a
// client cannot inject text into log lines.
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/
export const BODY_LIMIT_BYTES = 1024 * 1024

export function buildFastifyOptions (logLevel: string): FastifyServerOptions {
  return {
    logger: buildLoggerOptions(logLevel),
    requestIdHeader: false,
    genReqId (request) {
      const incoming = request.headers['x-request-id']
      return typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID()
    },
    bodyLimit: BODY_LIMIT_BYTES,
    ajv: {
      customOptions: {
        removeAdditional: false,
        coerceTypes: 'array',
        allErrors: false
      }
    }
  }
}
