import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'

export const TEST_AUDIENCE = 'https://api.example.test'
export const TEST_NAMESPACE = 'https://api.example.test/'

/** What the JWKS endpoint does when asked: the states the field cases name. */
export type KeySetState = 'healthy' | 'black-hole' | 'fail' | 'invalid-json'

export interface SigningKey {
  kid: string
  privateKey: CryptoKey
  publicJwk: JWK
}

export interface TokenOptions {
  claims?: Record<string, unknown>
  /** Claims to leave out of the defaults. */
  omit?: string[]
  header?: Record<string, unknown>
  key?: SigningKey
}

export interface TestIssuer {
  /** Issuer URL with the trailing slash, as Auth0 writes it. */
  url: string
  origin: string
  keys: SigningKey[]
  state: KeySetState
  /** Paths of every request the server has seen, in order. */
  requests: string[]
  jwksGets (): number
  sign (options?: TokenOptions): Promise<string>
  /** Serve this body on the JWKS path instead of the generated keys. */
  serveKeySet (keySet: unknown): void
  close (): Promise<void>
}

export async function createSigningKey (kid: string, alg = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  return { kid, privateKey, publicJwk: { ...await exportJWK(publicKey), kid, alg, use: 'sig' } }
}

function nowSec (): number {
  return Math.floor(Date.now() / 1000)
}

/**
 * A real OAuth issuer on 127.0.0.1 for tests: it serves a JWKS over HTTP
 * and signs Auth0-shaped access tokens. Its key-set endpoint can be made to
 * hang, fail or return junk, and counts every request it gets.
 */
export async function startIssuer (options: { keyIds?: string[] } = {}): Promise<TestIssuer> {
  const keys = await Promise.all((options.keyIds ?? ['key-1']).map((kid) => createSigningKey(kid)))
  const sockets = new Set<Socket>()
  let customKeySet: unknown

  const issuer: TestIssuer = {
    url: '',
    origin: '',
    keys,
    state: 'healthy',
    requests: [],
    jwksGets: () => issuer.requests.filter((path) => path.endsWith('/jwks.json')).length,
    sign: (tokenOptions) => signToken(issuer, tokenOptions),
    serveKeySet (keySet) { customKeySet = keySet },
    close: () => closeServer(server, sockets)
  }

  function handle (request: IncomingMessage, response: ServerResponse): void {
    issuer.requests.push(request.url ?? '')
    if (request.url === '/.well-known/openid-configuration') {
      const discovery = { issuer: issuer.url, jwks_uri: `${issuer.url}.well-known/jwks.json` }
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(discovery))
      return
    }
    if (request.url !== '/.well-known/jwks.json') {
      response.writeHead(404).end()
      return
    }
    if (issuer.state === 'black-hole') return
    if (issuer.state === 'fail') {
      response.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"down"}')
      return
    }
    if (issuer.state === 'invalid-json') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": [')
      return
    }
    const body = customKeySet ?? { keys: issuer.keys.map((key) => key.publicJwk) }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  }

  const server: Server = createServer(handle)
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))

  const { port } = server.address() as AddressInfo
  issuer.origin = `http://127.0.0.1:${port}`
  issuer.url = `${issuer.origin}/`
  return issuer
}

async function closeServer (server: Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy()
  await new Promise<void>((resolve) => server.close(() => resolve()))
}

export function defaultClaims (issuer: TestIssuer): Record<string, unknown> {
  const now = nowSec()
  return {
    iss: issuer.url,
    sub: 'auth0|user-a',
    aud: TEST_AUDIENCE,
    iat: now,
    exp: now + 3600,
    azp: 'client-spa-test',
    scope: 'openid profile read:documents',
    permissions: ['read:documents']
  }
}

async function signToken (issuer: TestIssuer, options: TokenOptions = {}): Promise<string> {
  const key = options.key ?? issuer.keys[0] as SigningKey
  const claims: Record<string, unknown> = { ...defaultClaims(issuer), ...options.claims }

  for (const name of options.omit ?? []) delete claims[name]

  return await new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...options.header } as never)
    .sign(key.privateKey)
}
