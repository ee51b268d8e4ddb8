import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

// A local stand-in for an Auth0 tenant, written against Auth0's documented
// contract: the client credentials grant at POST /oauth/token, the
// Management API v2 endpoints for users and roles, and /userinfo. Every
// response carries x-ratelimit-limit, -remaining and -reset (Unix seconds).
// Faults (429 with rate-limit headers, 500, a hang) can be queued per path.

export interface StandInRole {
  id: string
  name: string
  description?: string
}

export interface StandInUser {
  user_id: string
  email?: string
  name?: string
  nickname?: string
  picture?: string
  user_metadata: Record<string, unknown>
  app_metadata: Record<string, unknown>
  roleIds: Set<string>
}

export type FaultKind = 'rate-limit' | 'error' | 'hang'

export interface Fault {
  kind: FaultKind
  /** How many matching requests get the fault; default 1. */
  times?: number
  /** Only requests whose path starts with this; default any /api/v2 path. */
  pathPrefix?: string
  /** For rate-limit: seconds until x-ratelimit-reset; default 1. */
  resetInSec?: number
}

export interface RecordedRequest {
  method: string
  path: string
  body: unknown
}

export interface StandInOptions {
  clientId?: string
  clientSecret?: string
  tokenLifetimeSec?: number
  rateLimit?: number
  port?: number
  host?: string
}

export interface Auth0StandIn {
  /** Origin such as http://127.0.0.1:PORT, the tenant's "domain". */
  url: string
  clientId: string
  clientSecret: string
  tokenLifetimeSec: number
  roles: StandInRole[]
  users: Map<string, StandInUser>
  requests: RecordedRequest[]
  tokenRequests (): number
  userinfoRequests (): number
  addRole (name: string, description?: string): StandInRole
  addUser (user: Partial<StandInUser> & { user_id: string }, roleNames?: string[]): StandInUser
  rolesOf (userId: string): string[]
  /** Queues a fault for the next matching requests. */
  inject (fault: Fault): void
  /** Maps an end-user access token to a user for /userinfo. */
  allowUserinfo (accessToken: string, userId: string): void
  close (): Promise<void>
}

const RATE_WINDOW_SEC = 60
const MAX_PER_PAGE = 100

interface Context {
  standIn: Auth0StandIn
  tokens: Map<string, number>
  userinfoTokens: Map<string, string>
  faults: Array<Required<Fault>>
  window: { startsAtSec: number, used: number, limit: number }
}

function nowSec (): number {
  return Math.floor(Date.now() / 1000)
}

function rateHeaders (context: Context): Record<string, string> {
  const { window } = context
  const now = nowSec()

  if (now >= window.startsAtSec + RATE_WINDOW_SEC) {
    window.startsAtSec = now
    window.used = 0
  }
  window.used++
  return {
    'x-ratelimit-limit': String(window.limit),
    'x-ratelimit-remaining': String(Math.max(0, window.limit - window.used)),
    'x-ratelimit-reset': String(window.startsAtSec + RATE_WINDOW_SEC)
  }
}

function send (
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string>
): void {
  const payload = body === undefined ? '' : JSON.stringify(body)
  const contentType: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }
  response.writeHead(status, { ...headers, ...contentType }).end(payload)
}

function apiError (status: number, error: string, message: string, errorCode?: string) {
  return { statusCode: status, error, message, ...(errorCode ? { errorCode } : {}) }
}

async function readBody (request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8')
  if (text === '') return undefined

  const type = request.headers['content-type'] ?? ''
  if (type.startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text))
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

function takeFault (context: Context, path: string): Required<Fault> | undefined {
  const index = context.faults.findIndex((fault) => path.startsWith(fault.pathPrefix))
  if (index === -1) return undefined

  const fault = context.faults[index] as Required<Fault>
  fault.times--
  if (fault.times <= 0) context.faults.splice(index, 1)
  return fault
}

// Answers a queued fault; returns false when none applies.
function answerFault (context: Context, path: string, response: ServerResponse): boolean {
  const fault = takeFault(context, path)
  if (fault === undefined) return false
  if (fault.kind === 'hang') return true

  const headers = rateHeaders(context)
  if (fault.kind === 'error') {
    send(response, 500, apiError(500, 'Internal Server Error', 'stand-in failure'), headers)
    return true
  }
  send(response, 429, apiError(429, 'Too Many Requests', 'Global limit has been reached', 'too_many_requests'), {
    ...headers,
    'x-ratelimit-remaining': '0',
    'x-ratelimit-reset': String(nowSec() + fault.resetInSec)
  })
  return true
}

function handleToken (context: Context, body: unknown, response: ServerResponse): void {
  const headers = rateHeaders(context)
  const params = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
  const { standIn } = context

  if (params.grant_type !== 'client_credentials') {
    send(response, 403, { error: 'unauthorized_client', error_description: 'Grant type not allowed' }, headers)
    return
  }
  if (params.client_id !== standIn.clientId || params.client_secret !== standIn.clientSecret) {
    send(response, 401, { error: 'access_denied', error_description: 'Unauthorized' }, headers)
    return
  }
  if (params.audience !== `${standIn.url}/api/v2/`) {
    send(response, 403, { error: 'access_denied', error_description: 'Service not enabled within domain' }, headers)
    return
  }

  const accessToken = randomBytes(24).toString('base64url')
  context.tokens.set(accessToken, Date.now() + standIn.tokenLifetimeSec * 1000)
  send(response, 200, {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: standIn.tokenLifetimeSec,
    scope: 'read:users update:users read:roles create:role_members delete:role_members'
  }, headers)
}

function bearerOf (request: IncomingMessage): string | undefined {
  const match = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')
  return match?.[1]
}

function hasValidToken (context: Context, request: IncomingMessage): boolean {
  const token = bearerOf(request)
  const expiresAt = token === undefined ? undefined : context.tokens.get(token)
  return expiresAt !== undefined && expiresAt > Date.now()
}

function paged<T> (items: T[], query: URLSearchParams, key: string): unknown {
  const perPage = Math.min(Number(query.get('per_page') ?? 50), MAX_PER_PAGE)
  const page = Number(query.get('page') ?? 0)
  const slice = items.slice(page * perPage, (page + 1) * perPage)

  if (query.get('include_totals') !== 'true') return slice
  return { start: page * perPage, limit: perPage, total: items.length, [key]: slice }
}

function publicUser (user: StandInUser): Record<string, unknown> {
  const { roleIds: _roleIds, ...rest } = user
  return rest
}

function roleIdsFrom (body: unknown): string[] | undefined {
  const roles = (body as { roles?: unknown } | undefined)?.roles
  if (!Array.isArray(roles) || roles.length === 0 || !roles.every((id) => typeof id === 'string')) return undefined
  return roles as string[]
}

function mergeMetadata (target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete target[key]
    else target[key] = value
  }
}

type Handler = (context: Context, user: StandInUser, body: unknown, query: URLSearchParams) => [number, unknown]

const USER_HANDLERS: Record<string, Handler> = {
  'GET ': (_context, user) => [200, publicUser(user)],
  'PATCH ': (_context, user, body) => {
    const patch = (body ?? {}) as Record<string, unknown>
    if (typeof patch.user_metadata === 'object' && patch.user_metadata !== null) {
      mergeMetadata(user.user_metadata, patch.user_metadata as Record<string, unknown>)
    }
    if (typeof patch.app_metadata === 'object' && patch.app_metadata !== null) {
      mergeMetadata(user.app_metadata, patch.app_metadata as Record<string, unknown>)
    }
    return [200, publicUser(user)]
  },
  'GET /roles': (context, user, _body, query) => {
    const roles = context.standIn.roles.filter((role) => user.roleIds.has(role.id))
    return [200, paged(roles, query, 'roles')]
  },
  'POST /roles': (context, user, body) => changeRoles(context, user, body, (id) => user.roleIds.add(id)),
  'DELETE /roles': (context, user, body) => changeRoles(context, user, body, (id) => user.roleIds.delete(id))
}

function changeRoles (context: Context, _user: StandInUser, body: unknown, apply: (id: string) => void): [number, unknown] {
  const ids = roleIdsFrom(body)
  if (ids === undefined) return [400, apiError(400, 'Bad Request', 'Payload validation error', 'invalid_body')]

  const known = new Set(context.standIn.roles.map((role) => role.id))
  if (!ids.every((id) => known.has(id))) return [404, apiError(404, 'Not Found', 'Role not found', 'inexistent_role')]

  ids.forEach(apply)
  return [204, undefined]
}

function handleManagement (
  context: Context,
  method: string,
  url: URL,
  body: unknown,
  request: IncomingMessage
): [number, unknown] {
  if (!hasValidToken(context, request)) return [401, apiError(401, 'Unauthorized', 'Invalid token')]

  if (method === 'GET' && url.pathname === '/api/v2/roles') {
    const filter = url.searchParams.get('name_filter')
    const roles = context.standIn.roles.filter((role) => filter === null || role.name.includes(filter))
    return [200, paged(roles, url.searchParams, 'roles')]
  }

  const match = /^\/api\/v2\/users\/([^/]+)(\/roles)?$/.exec(url.pathname)
  if (match === null) return [404, apiError(404, 'Not Found', 'Not Found')]

  const userId = decodeURIComponent(match[1] as string)
  const handler = USER_HANDLERS[`${method} ${match[2] ?? ''}`]
  if (handler === undefined) return [404, apiError(404, 'Not Found', 'Not Found')]

  const user = context.standIn.users.get(userId)
  if (user === undefined) return [404, apiError(404, 'Not Found', 'The user does not exist.', 'inexistent_user')]
  return handler(context, user, body, url.searchParams)
}

function handleUserinfo (context: Context, request: IncomingMessage): [number, unknown] {
  const token = bearerOf(request)
  const userId = token === undefined ? undefined : context.userinfoTokens.get(token)
  const user = userId === undefined ? undefined : context.standIn.users.get(userId)
  if (user === undefined) return [401, { error: 'invalid_token', error_description: 'invalid access token' }]

  return [200, {
    sub: user.user_id,
    email: user.email,
    name: user.name,
    nickname: user.nickname,
    picture: user.picture
  }]
}

async function handle (context: Context, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://stand-in')
  const method = request.method ?? 'GET'
  const body = await readBody(request)
  context.standIn.requests.push({ method, path: decodeURIComponent(url.pathname), body })

  if (answerFault(context, url.pathname, response)) return
  if (method === 'POST' && url.pathname === '/oauth/token') {
    handleToken(context, body, response)
    return
  }

  const [status, payload] = url.pathname === '/userinfo'
    ? handleUserinfo(context, request)
    : handleManagement(context, method, url, body, request)
  send(response, status, payload, rateHeaders(context))
}

/** Starts the stand-in on 127.0.0.1 (an ephemeral port unless one is given). */
export async function startAuth0StandIn (options: StandInOptions = {}): Promise<Auth0StandIn> {
  const sockets = new Set<Socket>()
  let nextRoleId = 1

  const standIn: Auth0StandIn = {
    url: '',
    clientId: options.clientId ?? 'stand-in-m2m-client',
    clientSecret: options.clientSecret ?? 'stand-in-m2m-secret',
    tokenLifetimeSec: options.tokenLifetimeSec ?? 86_400,
    roles: [],
    users: new Map(),
    requests: [],
    tokenRequests: () => standIn.requests.filter((r) => r.path === '/oauth/token').length,
    userinfoRequests: () => standIn.requests.filter((r) => r.path === '/userinfo').length,
    addRole (name, description) {
      const role = { id: `rol_${String(nextRoleId++).padStart(4, '0')}`, name, description }
      standIn.roles.push(role)
      return role
    },
    addUser (user, roleNames = []) {
      const created: StandInUser = { user_metadata: {}, app_metadata: {}, ...user, roleIds: new Set() }
      for (const name of roleNames) {
        const role = standIn.roles.find((candidate) => candidate.name === name)
        if (role) created.roleIds.add(role.id)
      }
      standIn.users.set(user.user_id, created)
      return created
    },
    rolesOf (userId) {
      const user = standIn.users.get(userId)
      return standIn.roles.filter((role) => user?.roleIds.has(role.id)).map((role) => role.name).sort()
    },
    inject (fault) {
      context.faults.push({ times: 1, pathPrefix: '/api/v2', resetInSec: 1, ...fault })
    },
    allowUserinfo (accessToken, userId) {
      context.userinfoTokens.set(accessToken, userId)
    },
    close: () => closeServer(server, sockets)
  }

  const context: Context = {
    standIn,
    tokens: new Map(),
    userinfoTokens: new Map(),
    faults: [],
    window: { startsAtSec: nowSec(), used: 0, limit: options.rateLimit ?? 1000 }
  }

  const server: Server = createServer((request, response) => {
    handle(context, request, response).catch(() => response.writeHead(500).end())
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve))

  const { port } = server.address() as AddressInfo
  standIn.url = `http://127.0.0.1:${port}`
  return standIn
}

async function closeServer (server: Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy()
  await new Promise<void>((resolve) => server.close(() => resolve()))
}

/** Roles and users most tests start from. */
export function seedStandIn (standIn: Auth0StandIn): void {
  standIn.addRole('admin', 'Full access, MFA required')
  standIn.addRole('manager', 'Manages teams')
  standIn.addRole('user', 'Works on own documents')
  standIn.addRole('viewer', 'Reads documents')
  standIn.addUser({ user_id: 'auth0|alice', email: 'alice@example.test', name: 'Alice Admin' }, ['admin'])
  standIn.addUser({ user_id: 'auth0|bob', email: 'bob@example.test', name: 'Bob Builder' }, ['viewer'])
}
