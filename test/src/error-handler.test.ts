import t from 'tap'
import Fastify from 'fastify'
import { Writable } from 'node:stream'
import { createNodeEngines } from '@surrealdb/node'
import { NotAllowedError, NotFoundError, QueryError, Surreal } from 'surrealdb'
import '../helper.js'
import { buildErrorHandler, mapDatabaseError } from '../../src/error-handler.js'

// Real errors from the real embedded engine, so the mapping is checked
// against what SurrealDB actually throws, not against hand-made copies.
async function openScratchDb (t: { teardown (fn: () => unknown): void }): Promise<Surreal> {
  const db = new Surreal({ engines: createNodeEngines() })
  await db.connect('mem://')
  await db.use({ namespace: 'test', database: 'test' })
  await db.query(`
    DEFINE TABLE item SCHEMAFULL;
    DEFINE FIELD name ON item TYPE string;
    DEFINE FIELD size ON item TYPE int ASSERT $value > 0;
    DEFINE INDEX item_name ON item FIELDS name UNIQUE;
    CREATE item:one SET name = 'one', size = 1;
  `).collect()
  t.teardown(() => db.close())
  return db
}

async function errorOf (work: Promise<unknown>): Promise<unknown> {
  try {
    await work
  } catch (err) {
    return err
  }
  throw new Error('expected the query to fail')
}

function codeOf (error: unknown): string | undefined {
  return (mapDatabaseError(error) as { code?: string } | undefined)?.code
}

t.test('maps real SurrealDB errors to stable codes by kind', async (t) => {
  const db = await openScratchDb(t)
  const run = (sql: string) => errorOf(db.query(sql).collect())

  t.equal(codeOf(await run("CREATE item SET name = 'one', size = 2")), 'DB_CONFLICT', 'unique index')
  t.equal(codeOf(await run("CREATE item:one SET name = 'uno', size = 2")), 'DB_CONFLICT', 'record id taken')
  t.equal(codeOf(await run("CREATE item SET name = 'two', size = 0")), 'DB_INVALID_VALUE', 'ASSERT')
  t.equal(codeOf(await run("CREATE item SET name = 'two', size = 'big'")), 'DB_INVALID_VALUE', 'type')
  t.equal(codeOf(await run("CREATE item SET name = 'two', size = 1, extra = 1")), 'DB_INVALID_VALUE', 'unknown field')
  t.equal(codeOf(await run('SELEC * FROM item')), undefined, 'a parse error is our bug: generic 500')
  t.equal(codeOf(await run("THROW 'session identity mismatch'")), 'DB_IDENTITY_REJECTED')
  t.equal(codeOf(await run("THROW 'something else'")), undefined)
})

t.test('maps a closed connection to DB_UNAVAILABLE', async (t) => {
  const db = new Surreal({ engines: createNodeEngines() })
  await db.connect('mem://')
  await db.close()

  const error = await errorOf(db.query('RETURN 1').collect())

  t.equal(codeOf(error), 'DB_UNAVAILABLE')
})

t.test('maps not-allowed, not-found and query kinds from their details', async (t) => {
  const expired = new NotAllowedError({
    kind: 'NotAllowed',
    message: 'The session has expired',
    details: { kind: 'Auth', details: { kind: 'SessionExpired' } }
  })
  const denied = new NotAllowedError({
    kind: 'NotAllowed',
    message: 'Not enough permissions to perform this action',
    details: { kind: 'Auth', details: { kind: 'NotAllowed', details: { actor: 'x', action: 'y', resource: 'z' } } }
  })
  const missingRecord = new NotFoundError({
    kind: 'NotFound', message: 'no record', details: { kind: 'Record', details: { id: 'item:x' } }
  })
  const missingTable = new NotFoundError({
    kind: 'NotFound', message: 'no table', details: { kind: 'Table', details: { name: 'x' } }
  })
  const conflict = new QueryError({ kind: 'Query', message: 'conflict', details: { kind: 'TransactionConflict' } })
  const timeout = new QueryError({
    kind: 'Query', message: 'timed out', details: { kind: 'TimedOut', details: { duration: { secs: 1, nanos: 0 } } }
  })

  t.equal(codeOf(expired), 'DB_IDENTITY_REJECTED')
  t.equal(codeOf(denied), 'DB_FORBIDDEN')
  t.equal(codeOf(missingRecord), 'DB_NOT_FOUND')
  t.equal(codeOf(missingTable), undefined)
  t.equal(codeOf(conflict), 'DB_CONFLICT')
  t.equal(codeOf(timeout), 'DB_UNAVAILABLE')
  t.equal(codeOf(new Error('not from the database')), undefined)
})

function captureLogs (): { lines: string[], stream: Writable } {
  const lines: string[] = []
  const stream = new Writable({
    write (chunk, _encoding, done) {
      lines.push(chunk.toString())
      done()
    }
  })
  return { lines, stream }
}

async function buildThrowingApp (t: { teardown (fn: () => unknown): void }, error: () => Promise<unknown>) {
  const logs = captureLogs()
  const app = Fastify({ logger: { level: 'info', stream: logs.stream } })
  app.setErrorHandler(buildErrorHandler('https://api.example.test'))
  app.get('/boom', async () => { throw await error() })
  t.teardown(() => app.close())
  await app.ready()
  return { app, logs }
}

t.test('answers a database error with a safe body and logs the driver message with the request id', async (t) => {
  const db = await openScratchDb(t)
  const { app, logs } = await buildThrowingApp(t, () =>
    errorOf(db.query("CREATE item SET name = 'one', size = 2").collect()))

  const response = await app.inject({ url: '/boom', headers: { 'x-request-id': 'req-conflict-1' } })

  t.equal(response.statusCode, 409)
  t.same(response.json(), {
    statusCode: 409,
    code: 'DB_CONFLICT',
    error: 'Conflict',
    message: 'The change conflicts with data that already exists'
  })
  t.notMatch(response.body, /item|already contains|index/)
  const logged = logs.lines.map((line) => JSON.parse(line)).find((line) => line.code === 'DB_CONFLICT')
  t.ok(logged, 'the refusal is logged')
  t.match(logged.err.message, /already contains/)
  t.ok(logged.reqId, 'the log line carries the request id')
})

t.test('answers an unknown database error with a generic 500 and logs it at error level', async (t) => {
  const db = await openScratchDb(t)
  const { app, logs } = await buildThrowingApp(t, () => errorOf(db.query('SELEC * FROM item').collect()))

  const response = await app.inject({ url: '/boom' })

  t.equal(response.statusCode, 500)
  t.equal(response.json().code, 'INTERNAL_ERROR')
  t.notMatch(response.body, /Parse|SELEC|surreal|stack/i)
  const logged = logs.lines.map((line) => JSON.parse(line)).find((line) => line.level === 50)
  t.match(logged.err.message, /Parse error/)
})

t.test('answers an outage with 503 and Retry-After', async (t) => {
  const db = new Surreal({ engines: createNodeEngines() })
  await db.connect('mem://')
  await db.close()
  const { app } = await buildThrowingApp(t, () => errorOf(db.query('RETURN 1').collect()))

  const response = await app.inject({ url: '/boom' })

  t.equal(response.statusCode, 503)
  t.equal(response.json().code, 'DB_UNAVAILABLE')
  t.ok(Number(response.headers['retry-after']) > 0)
})
