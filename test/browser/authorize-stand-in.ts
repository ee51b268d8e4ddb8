import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/** What the login page received, for the test to check. */
export interface AuthorizeRequest {
  clientId: string | null
  audience: string | null
  scope: string | null
  codeChallengeMethod: string | null
}

export interface AuthorizeStandIn {
  /** Issuer URL with the trailing slash, as Auth0 writes it. */
  url: string
  authorizeRequests: AuthorizeRequest[]
  /** code_verifier values that matched their code_challenge. */
  verifiedExchanges: number
  close (): Promise<void>
}

interface PendingCode {
  challenge: string
  redirectUri: string
  audience: string
}

function base64UrlSha256 (value: string): string {
  return createHash('sha256').update(value).digest('base64url')
}

async function readBody (request: IncomingMessage): Promise<URLSearchParams> {
  let body = ''
  for await (const chunk of request) body += String(chunk)
  return new URLSearchParams(body)
}

function sendJson (response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, {
    'content-type': 'application/json',
    'access-control-allow-origin': '*'
  }).end(JSON.stringify(body))
}

/**
 * Auth0's /authorize and /oauth/token for the authorization code flow with
 * PKCE (RFC 7636), on 127.0.0.1: the login "page" approves at once and the
 * token endpoint checks the code verifier against the challenge. Tokens are
 * minted by `signToken` for the audience the authorize request named.
 */
export async function startAuthorizeStandIn (
  signToken: (claims: Record<string, unknown>) => Promise<string>
): Promise<AuthorizeStandIn> {
  const codes = new Map<string, PendingCode>()
  const sockets = new Set<Socket>()
  const standIn: AuthorizeStandIn = {
    url: '',
    authorizeRequests: [],
    verifiedExchanges: 0,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }

  function authorize (url: URL, response: ServerResponse): void {
    const query = url.searchParams
    standIn.authorizeRequests.push({
      clientId: query.get('client_id'),
      audience: query.get('audience'),
      scope: query.get('scope'),
      codeChallengeMethod: query.get('code_challenge_method')
    })
    const code = randomBytes(16).toString('hex')
    codes.set(code, {
      challenge: query.get('code_challenge') ?? '',
      redirectUri: query.get('redirect_uri') ?? '',
      audience: query.get('audience') ?? ''
    })
    const target = new URL(query.get('redirect_uri') ?? '')
    target.searchParams.set('code', code)
    target.searchParams.set('state', query.get('state') ?? '')
    response.writeHead(302, { location: target.href }).end()
  }

  async function exchange (request: IncomingMessage, response: ServerResponse): Promise<void> {
    const form = await readBody(request)
    const pending = codes.get(form.get('code') ?? '')
    codes.delete(form.get('code') ?? '')

    if (!pending || base64UrlSha256(form.get('code_verifier') ?? '') !== pending.challenge) {
      sendJson(response, 403, { error: 'invalid_grant' })
      return
    }
    standIn.verifiedExchanges++
    // Without an audience Auth0 issues an opaque token the API cannot verify.
    const accessToken = pending.audience === ''
      ? randomBytes(16).toString('hex')
      : await signToken({ iss: standIn.url, aud: pending.audience, sub: 'auth0|pkce-user' })
    sendJson(response, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 3600 })
  }

  async function handle (request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', standIn.url)
    if (request.method === 'OPTIONS') {
      response.writeHead(204, {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': request.headers['access-control-request-headers'] ?? ''
      }).end()
      return
    }
    if (request.method === 'GET' && url.pathname === '/authorize') return authorize(url, response)
    if (request.method === 'POST' && url.pathname === '/oauth/token') return await exchange(request, response)
    response.writeHead(404).end()
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy())
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  standIn.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  return standIn
}
