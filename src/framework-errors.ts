import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { bodyOf } from './error-handler.js'

// Errors raised before a route is matched never reach the error handler;
// they are answered here in the same shape, without echoing the URL back.
const FRAMEWORK_MESSAGES: Record<string, string> = {
  FST_ERR_BAD_URL: 'The request URL is not valid',
  FST_ERR_MAX_PARAM_LENGTH: 'A path segment is too long',
  FST_ERR_ASYNC_CONSTRAINT: 'The request could not be routed'
}

export function handleFrameworkError (error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const statusCode = error.statusCode ?? 400
  const message = FRAMEWORK_MESSAGES[error.code] ?? 'The request is not valid'
  reply.code(statusCode).send(bodyOf(statusCode, 'REQUEST_INVALID_URL', message))
}

interface ClientErrorAnswer {
  statusCode: number
  code: string
  message: string
}

// Node's HTTP parser rejects these before Fastify sees a request.
function answerFor (err: NodeJS.ErrnoException): ClientErrorAnswer {
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    return { statusCode: 431, code: 'REQUEST_HEADERS_TOO_LARGE', message: 'The request headers exceed 16 KiB' }
  }
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { statusCode: 408, code: 'REQUEST_TIMEOUT', message: 'The request took too long to arrive' }
  }
  return { statusCode: 400, code: 'REQUEST_MALFORMED', message: 'The request is not valid HTTP' }
}

export function handleClientError (err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return

  const { statusCode, code, message } = answerFor(err)
  const body = JSON.stringify(bodyOf(statusCode, code, message))
  socket.end(
    `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\n` +
    'Connection: close\r\n' +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  )
}
