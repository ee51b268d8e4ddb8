import t from 'tap'
import fc from 'fast-check'
import type { FastifyInstance, InjectOptions } from 'fastify'
import type { Surreal } from 'surrealdb'
import { openConnection } from '../../src/db/connection.js'
import { bearer, build } from '../helper.js'
import { seedStandIn, startAuth0StandIn } from '../support/auth0-stand-in.js'

// Generated junk sent to every route. Bounded so the file stays well under
// a minute on two cores; a failure prints fast-check's seed and the
// shrunk request, which can be replayed with { seed, path }.
const NUM_RUNS = 250
const TIME_LIMIT_MS = 40_000
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const

// What must never appear in an error body: stack frames, error class
// prefixes, the database's name or messages, and SurrealQL.
const LEAK_PATTERNS = [
  /\bstack\b/i,
  /\w*Error: /,
  /\n\s+at /,
  /surreal/i,
  /\b(SELECT|UPSERT|CREATE|DEFINE|THROW|RETURN)\s.*\b(FROM|ONLY|SET|TABLE|\$)/,
  /Parse error|already contains|must conform to|coerce/i
]

interface Endpoint {
  template: string
  methods: string[]
}

/** Routes of the running app, e.g. /v1/documents/:id with its methods. */
function collectEndpoints (app: FastifyInstance): Endpoint[] {
  const lines = app.printRoutes({ commonPrefix: false }).split('\n')
  const stack: string[] = []
  const endpoints: Endpoint[] = []

  for (const line of lines) {
    const match = /^([│ ]*)[├└]── (\S+) \(([^)]*)\)/.exec(line)
    if (!match) continue
    stack.length = (match[1] as string).length / 4
    stack.push(match[2] as string)
    endpoints.push({ template: stack.join(''), methods: (match[3] as string).split(', ') })
  }
  return endpoints
}

const junkSegment = fc.oneof(
  fc.constantFrom('auth0|65f1c2', '..', '%2e%2e%2f', '..%2F..%2Fetc%2Fpasswd', '%00', '%E2%9F%A9', 'user:root'),
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  fc.string({ unit: 'binary', maxLength: 20 }).map(encodeURIComponent),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
  fc.nat({ max: 400 }).map((length) => 'a'.repeat(length))
)

function fillTemplate (template: string, segments: string[]): string {
  let i = 0
  return template
    .replace(/\*$/, () => segments[i++] ?? 'x')
    .replace(/:[A-Za-z]+/g, () => segments[i++] ?? 'x')
}

const queryArb = fc.array(fc.tuple(
  fc.oneof(
    fc.constantFrom('limit', 'cursor', 'owner', 'team', 'tag', 'outcome', 'actor', 'access_token', '__proto__'),
    fc.string({ maxLength: 12 })
  ),
  fc.oneof(
    fc.constantFrom('-1', '0', '1', '101', '1e9', 'NaN', '[]', '{}', 'null', 'true'),
    fc.string({ maxLength: 30 })
  )
), { maxLength: 4 }).map((pairs) => new URLSearchParams(pairs).toString())

const bodyArb = fc.oneof(
  fc.constant(undefined),
  fc.json({ maxDepth: 3 }),
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify({ title: value })),
  fc.record({
    title: fc.oneof(fc.string({ minLength: 1, maxLength: 250 }), fc.integer(), fc.constant(null)),
    body: fc.option(fc.string({ maxLength: 50 })),
    tags: fc.array(fc.string({ maxLength: 60 }), { maxLength: 25 }),
    team: fc.option(junkSegment),
    version: fc.integer(),
    roles: fc.array(fc.string({ maxLength: 20 }))
  }, { requiredKeys: ['title'] }).map((value) => JSON.stringify(value)),
  fc.constantFrom('{"__proto__": {"admin": true}}', '{"constructor": {"prototype": {}}}', '{', '[]', '""', 'null'),
  fc.string({ unit: 'binary', maxLength: 200 })
)

const contentTypeArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant('application/json') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      undefined,
      'application/json; charset=utf-16',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json\u0000'
    )
  }
)

interface Junk {
  method: typeof METHODS[number]
  template: string
  segments: string[]
  query: string
  auth: number
  contentType?: string
  body?: string
  requestId: string
}

const JUNK_PATH: Endpoint = { template: '/*', methods: [...METHODS] }

function junkArb (endpoints: Endpoint[], authChoices: number): fc.Arbitrary<Junk> {
  const endpointArb = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...endpoints) },
    { weight: 1, arbitrary: fc.constant(JUNK_PATH) }
  )
  return endpointArb.chain((endpoint) => fc.record({
    method: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...endpoint.methods as Array<typeof METHODS[number]>) },
      { weight: 1, arbitrary: fc.constantFrom(...METHODS) }
    ),
    template: fc.constant(endpoint.template),
    segments: fc.array(junkSegment, { minLength: 2, maxLength: 2 }),
    query: fc.oneof({ weight: 2, arbitrary: fc.constant('') }, { weight: 1, arbitrary: queryArb }),
    auth: fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: 1, max: 3 }) },
      { weight: 1, arbitrary: fc.nat({ max: authChoices - 1 }) }
    ),
    contentType: contentTypeArb,
    body: bodyArb,
    requestId: fc.oneof(fc.constant('ok-id-1'), fc.string({ maxLength: 200 }))
  }))
}

// Test-only view of the data as root, through the connection the test
// handed to the app. Audit rows are left out: recording a refused request
// there is the point of the audit log.
async function snapshot (db: Surreal): Promise<string> {
  const [info] = await db.query<[{ tables: Record<string, string> }]>('INFO FOR DB').collect()
  const tables = Object.keys(info.tables).filter((name) => !name.startsWith('audit')).sort()
  const contents: Record<string, unknown> = {}

  for (const table of tables) {
    const [rows] = await db.query<[unknown[]]>('SELECT * FROM type::table($table) ORDER BY id', { table }).collect()
    contents[table] = rows
  }
  return JSON.stringify(contents)
}

function toInject (junk: Junk, authHeaders: Array<Record<string, string>>): InjectOptions {
  const headers: Record<string, string> = { ...authHeaders[junk.auth], 'x-request-id': junk.requestId }
  if (junk.contentType !== undefined) headers['content-type'] = junk.contentType
  const path = fillTemplate(junk.template, junk.segments)

  return {
    method: junk.method,
    url: junk.query === '' ? path : `${path}?${junk.query}`,
    headers,
    payload: junk.method === 'GET' || junk.method === 'HEAD' ? undefined : junk.body
  }
}

async function openRootDatabase (t: { teardown (fn: () => unknown): void }): Promise<Surreal> {
  const db = await openConnection({ url: 'mem://', namespace: 'app', database: 'main', connectTimeoutMs: 10_000 })
  t.teardown(() => db.close())
  return db
}

t.test('generated junk to every route never gets a 5xx, never leaks internals, and a refused request changes no data', async (t) => {
  const db = await openRootDatabase(t)
  // The user-management routes talk to Auth0; the local stand-in plays it,
  // so those routes are exercised rather than answering "not configured".
  const standIn = await startAuth0StandIn()
  seedStandIn(standIn)
  t.teardown(() => standIn.close())
  const { app, issuer } = await build(t, {
    database: db,
    env: {
      RATE_LIMIT_MAX: '1000000',
      RATE_LIMIT_ANON_MAX: '1000000',
      MAX_EVENT_LOOP_DELAY_MS: '0',
      AUTH0_MANAGEMENT_BASE_URL: standIn.url,
      AUTH0_MANAGEMENT_CLIENT_ID: standIn.clientId,
      AUTH0_MANAGEMENT_CLIENT_SECRET: standIn.clientSecret
    }
  })
  const mfa = { amr: ['pwd', 'mfa'] }
  const tokens = [
    await issuer.sign({ claims: { sub: 'auth0|junk-reader', permissions: ['read:documents'] } }),
    await issuer.sign({
      claims: { sub: 'auth0|junk-writer', permissions: ['read:documents', 'write:own_documents', 'manage:teams'], ...mfa }
    }),
    await issuer.sign({ claims: { sub: 'auth0|junk-admin', permissions: ['admin'], ...mfa } })
  ]
  const authHeaders = [
    {},
    ...tokens.map(bearer),
    { authorization: 'Bearer not.a.token' },
    { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
    { authorization: `Bearer ${tokens[0]}junk` },
    { authorization: 'Bearer ' }
  ]
  // Provision the callers first: a user record refreshed on first sight is
  // a write even when the request itself is then refused.
  for (const token of tokens) await app.inject({ url: '/v1/me', headers: bearer(token) })
  await app.inject({ method: 'POST', url: '/v1/documents', headers: bearer(tokens[1] as string), payload: { title: 'seed' } })
  const endpoints = collectEndpoints(app)
  let refused = 0
  let accepted = 0

  await fc.assert(fc.asyncProperty(junkArb(endpoints, authHeaders.length), async (junk) => {
    const before = await snapshot(db)

    const response = await app.inject(toInject(junk, authHeaders))

    if (response.statusCode >= 500) throw new Error(`${response.statusCode}: ${response.body}`)
    if (response.statusCode < 400) accepted++
    if (response.statusCode >= 400) {
      for (const pattern of LEAK_PATTERNS) {
        if (pattern.test(response.body)) throw new Error(`body leaks ${pattern}: ${response.body}`)
      }
      refused++
      if (await snapshot(db) !== before) throw new Error(`refused ${response.statusCode} changed the data`)
    }
  }), { numRuns: NUM_RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false })

  t.ok(endpoints.some((endpoint) => endpoint.template === '/v1/documents/:id'), `${endpoints.length} routes found`)
  t.ok(refused > NUM_RUNS / 4, `${refused} refused requests checked`)
  t.ok(accepted > 0, `${accepted} requests accepted`)
})
