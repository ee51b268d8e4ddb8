import type { FastifyServerOptions } from 'fastify'

// Headers are left out by Fastify's default serializers; redaction covers
// them anyway in case a log line ever includes the request headers.
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'token',
  'access_token',
  'password',
  'secret',
  'client_secret',
  // One level down, e.g. an error object that carries the request it made.
  '*.authorization',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.token',
  '*.access_token',
  '*.password',
  '*.client_secret'
]

export function buildLoggerOptions (level: string): FastifyServerOptions['logger'] {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      req (request) {
        return {
          method: request.method,
          // The query string is left out: a client may wrongly put a token there.
          url: request.url.split('?')[0],
          remoteAddress: request.ip
        }
      }
    }
  }
}
