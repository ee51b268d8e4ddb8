import { createHmac } from 'node:crypto'
import type { LightMyRequestResponse } from 'fastify'
import type { Test } from 'tap'
import type { CryptoKey } from 'jose'

export const ERROR_BODY_KEYS = ['code', 'error', 'message', 'statusCode']

type Assert = Pick<Test, 'equal' | 'match' | 'notMatch' | 'same'>

export function encodeSegment (value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  return Buffer.from(text).toString('base64url')
}

/** A token assembled by hand, for shapes no signing library would produce. */
export function craftToken (header: unknown, payload: unknown, signature = 'c2lnbmF0dXJl'): string {
  return `${encodeSegment(header)}.${encodeSegment(payload)}.${signature}`
}

/** HS256 over header and payload with an arbitrary secret (the confusion attack). */
export function hmacToken (secret: string | Buffer, header: unknown, payload: unknown): string {
  const input = `${encodeSegment(header)}.${encodeSegment(payload)}`
  const signature = createHmac('sha256', secret).update(input).digest('base64url')
  return `${input}.${signature}`
}

/** RS256 over any header, for headers a signing library refuses to write. */
export async function signRs256 (privateKey: CryptoKey, header: unknown, payload: unknown): Promise<string> {
  const input = `${encodeSegment(header)}.${encodeSegment(payload)}`
  const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', privateKey, Buffer.from(input))
  return `${input}.${Buffer.from(signature).toString('base64url')}`
}

/** Replaces one character of the signature with another base64url character. */
export function changeOneCharacter (token: string, from = token.length - 10): string {
  const current = token[from]
  const replacement = current === 'A' ? 'B' : 'A'
  return token.slice(0, from) + replacement + token.slice(from + 1)
}

export function assertErrorShape (t: Assert, response: LightMyRequestResponse, statusCode: number): void {
  const body = response.json()

  t.equal(response.statusCode, statusCode, response.body)
  t.same(Object.keys(body).sort(), ERROR_BODY_KEYS, 'only statusCode, code, error, message')
  t.equal(body.statusCode, statusCode)
  t.notMatch(response.body, /node_modules|\bat .+:\d+:\d+|stack|Error:|fast-jwt|TokenError|FST_/)
}

/** 401 with `error="invalid_token"` and a short description. */
export function assertInvalidToken (t: Assert, response: LightMyRequestResponse, message = 'invalid_token'): void {
  assertErrorShape(t, response, 401)
  t.match(
    response.headers['www-authenticate'],
    /^Bearer realm="[^"]*", error="invalid_token", error_description="[A-Za-z ]{5,60}"$/,
    message
  )
  t.match(response.json().code, /^AUTH_TOKEN_(INVALID|EXPIRED)$/)
}

/** 401 with a bare challenge: no error attribute (RFC 6750 §3.1). */
export function assertPlainChallenge (t: Assert, response: LightMyRequestResponse): void {
  assertErrorShape(t, response, 401)
  t.match(response.headers['www-authenticate'], /^Bearer realm="[^"]*"$/)
  t.equal(response.json().code, 'AUTH_TOKEN_MISSING')
}

export function assertInvalidRequest (t: Assert, response: LightMyRequestResponse): void {
  assertErrorShape(t, response, 400)
  t.match(response.headers['www-authenticate'], /^Bearer realm="[^"]*", error="invalid_request"/)
  t.equal(response.json().code, 'AUTH_INVALID_REQUEST')
}
