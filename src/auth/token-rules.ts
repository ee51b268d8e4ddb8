import { AuthTokenInvalidError, withChallenge } from '../errors.js'
import type { Claims } from './identity.js'

// RFC 9068 §2.1 names at+jwt for access tokens; Auth0 sends JWT or at+jwt.
// A missing typ is accepted because older tenants leave it out.
const ACCESS_TOKEN_TYPES = new Set(['jwt', 'at+jwt', 'application/at+jwt'])

// Claims that only ID tokens carry: an ID token must never call the API,
// even when its audience happens to include the API identifier.
const ID_TOKEN_MARKERS = ['nonce', 'at_hash', 'c_hash']

export function rejectToken (description: string): never {
  throw withChallenge(new AuthTokenInvalidError(description), {
    error: 'invalid_token',
    description
  })
}

export function assertTokenHeader (header: Claims, algorithms: string[]): void {
  const { alg, typ } = header

  if (typeof alg !== 'string' || !algorithms.includes(alg)) {
    rejectToken('the signing algorithm is not accepted')
  }
  if (typ !== undefined && (typeof typ !== 'string' || !ACCESS_TOKEN_TYPES.has(typ.toLowerCase()))) {
    rejectToken('the token type is not an access token')
  }
}

/**
 * Checked before any key lookup, so a token naming another issuer never
 * costs a JWKS fetch; the keys always come from the configured issuer.
 */
export function assertIssuer (payload: Claims, issuer: string): void {
  if (payload.iss !== issuer) rejectToken('the issuer is not accepted')
}

export function assertAccessTokenClaims (payload: Claims, nowSec: number, toleranceSec: number): void {
  if (typeof payload.sub !== 'string' || payload.sub === '') {
    rejectToken('the token has no subject')
  }
  if (payload.iat !== undefined && (typeof payload.iat !== 'number' || payload.iat > nowSec + toleranceSec)) {
    rejectToken('the token was issued in the future')
  }
  if (ID_TOKEN_MARKERS.some((claim) => claim in payload)) {
    rejectToken('an ID token is not an access token')
  }
}

// Order matters: fast-jwt says "The exp claim is required." for a missing
// exp, which must not read as "expired".
const DESCRIPTIONS: Array<[RegExp, string]> = [
  [/is required/i, 'a required claim is missing'],
  [/claim must be/i, 'a claim has the wrong type'],
  [/signature/i, 'the signature is invalid'],
  [/\biss\b/, 'the issuer is not accepted'],
  [/\baud\b/, 'the audience is not accepted'],
  [/\bnbf\b|will be active|not active|inactive/i, 'the token is not valid yet'],
  [/\bexp\b|expired/i, 'the token has expired'],
  [/algorithm/i, 'the signing algorithm is not accepted'],
  [/malformed|decod|json/i, 'the token is malformed']
]

/** A fixed, short error_description for a verifier error; never its text. */
export function describeVerifyError (message: string): string {
  for (const [pattern, description] of DESCRIPTIONS) {
    if (pattern.test(message)) return description
  }
  return 'the token could not be verified'
}
