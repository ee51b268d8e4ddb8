import {
  AuthInvalidRequestError,
  AuthTokenMissingError,
  withChallenge
} from '../errors.js'

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/
const BEARER_SCHEME = 'bearer'

function invalidRequest (description: string): never {
  throw withChallenge(new AuthInvalidRequestError(description), {
    error: 'invalid_request',
    description
  })
}

/**
 * Takes the bearer token out of a request's raw header list. Raw headers are
 * read because Node joins or drops a repeated Authorization header, and two
 * credentials in one request must be refused rather than guessed between.
 */
export function extractBearerToken (rawHeaders: string[]): string {
  const values: string[] = []

  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]?.toLowerCase() === 'authorization') values.push(rawHeaders[i + 1] ?? '')
  }

  if (values.length === 0) throw withChallenge(new AuthTokenMissingError(), {})
  if (values.length > 1) invalidRequest('more than one Authorization header')

  return parseBearerCredentials(values[0] as string)
}

export function parseBearerCredentials (header: string): string {
  const separator = header.search(/[ \t]/)
  const scheme = separator === -1 ? header : header.slice(0, separator)

  // Another scheme (Basic, Digest, …) is not a bearer credential at all: the
  // answer is a plain challenge, as if nothing had been sent (RFC 6750 §3.1).
  if (scheme.toLowerCase() !== BEARER_SCHEME) {
    throw withChallenge(new AuthTokenMissingError(), {})
  }

  // RFC 6750 §2.1: "Bearer" 1*SP b64token; a tab is not a separator there.
  const rest = header.slice(scheme.length)
  const token = rest.replace(/^[ \t]+/, '')
  const gap = rest.slice(0, rest.length - token.length)

  if (token === '') invalidRequest('the bearer token is empty')
  if (gap.includes('\t')) invalidRequest('the scheme and the token must be separated by spaces')
  if (!B64_TOKEN.test(token)) invalidRequest('the bearer token has characters outside RFC 6750 b64token')
  return token
}
