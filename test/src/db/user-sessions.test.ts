import t from 'tap'
import fc from 'fast-check'
import { RecordId } from 'surrealdb'
import { generateAccessKey } from '../../../src/db/access-key.js'
import { IDENTITY_GUARD, type UserQueries } from '../../../src/db/user-sessions.js'
import {
  caller,
  countEngineSessions,
  countTimeouts,
  openTestDatabase
} from '../../support/database.js'

const AWKWARD_SUBS = [
  'auth0|65f1c2a9e4b0c3d2e1f00001',
  'auth0|65f1c2a9e4b0c3d2e1f00002',
  'google-oauth2|123',
  'google-oauth2|124',
  'ünïcødé 用户 😀',
  'a⟩b',
  '⟩',
  'a⟨b',
  '`',
  'a`b',
  '\\',
  'a\\`b',
  '`\\',
  "x' OR true; --",
  'x"; DELETE user; --',
  'user:x',
  '$auth',
  '{}',
  'rand()',
  '123',
  '1e3',
  'NONE',
  'a\nb',
  '\u0000x',
  ' '
]

// Writes the caller's record, then reads it back in a statement list of its
// own: [sub as written, sub as read back, $auth].
async function storeOwnSub (queries: UserQueries, sub: string): Promise<unknown[]> {
  const [written] = await queries.query<[Array<{ sub: string }>]>('UPSERT $caller SET sub = $sub', { sub })
  const [read, auth] = await queries.query('SELECT VALUE sub FROM ONLY $caller; RETURN $auth')
  return [written[0]?.sub, read, auth]
}

function sleep (ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

t.test('a record token signed by another key is rejected before the work runs', async (t) => {
  const { db, sessionsWith } = await openTestDatabase(t)
  const impostor = sessionsWith({ accessKey: generateAccessKey() })
  let ran = false

  const attempt = impostor.run(caller('auth0|alice'), async (queries) => {
    ran = true
    return await queries.query('SELECT * FROM user')
  })

  await t.rejects(attempt, { code: 'DB_IDENTITY_REJECTED', statusCode: 503 })
  t.equal(ran, false)
  t.equal(await countEngineSessions(db), 0)
})

t.test('an expired record token is rejected and returns no rows', async (t) => {
  const { db, sessions, sessionsWith } = await openTestDatabase(t)
  await sessions.run(caller('auth0|alice'), (queries) => storeOwnSub(queries, 'auth0|alice'))
  const past = sessionsWith({ clock: () => Date.now() - 3_600_000 })
  let ran = false

  const attempt = past.run(caller('auth0|alice'), async (queries) => {
    ran = true
    return await queries.query('SELECT * FROM user')
  })

  const error = await attempt.catch((err: Error) => err)
  t.match(error, { code: 'DB_IDENTITY_REJECTED' })
  t.match(String((error as Error).cause), /expired/i)
  t.equal(ran, false)
  t.equal(await countEngineSessions(db), 0)
})

t.test('a session the SDK drops to root mid-request can no longer query', async (t) => {
  const { db, sessionsWith } = await openTestDatabase(t)
  await db.query('DEFINE TABLE canary SCHEMALESS PERMISSIONS NONE; CREATE canary:1 SET secret = "s"').collect()
  // Under two minutes the SDK invalidates the session at exp itself.
  const shortLived = sessionsWith({ tokenTtlSec: 2 })
  const seen: unknown[] = []

  const attempt = shortLived.run(caller('auth0|alice'), async (queries) => {
    seen.push(...await queries.query('RETURN $auth'))
    await sleep(3_200)
    return await queries.query('CREATE canary:2; SELECT * FROM canary')
  })

  await t.rejects(attempt, { code: 'DB_IDENTITY_REJECTED' })
  t.same(seen.map(String), ['user:⟨auth0|alice⟩'])
  const [rows] = await db.query<[unknown[]]>('SELECT * FROM canary').collect()
  t.equal(rows.length, 1, 'nothing was written as root')
})

t.test('the identity guard stops every statement of a root session, writes included', async (t) => {
  const { db } = await openTestDatabase(t)
  await db.query('DEFINE TABLE canary SCHEMALESS PERMISSIONS NONE; CREATE canary:1').collect()
  const root = await db.newSession()
  t.teardown(() => root.closeSession())
  await root.use({ namespace: 'app', database: 'main' })

  const attempt = root.query(
    `BEGIN; ${IDENTITY_GUARD}; CREATE canary:2; SELECT * FROM canary; COMMIT;`,
    { caller: new RecordId('user', 'auth0|alice') }
  ).collect()

  await t.rejects(attempt, /session identity mismatch/)
  const [rows] = await db.query<[unknown[]]>('SELECT * FROM canary').collect()
  t.equal(rows.length, 1)
})

t.test('queries kept past the end of run() fail instead of running', async (t) => {
  const { db, sessions } = await openTestDatabase(t)
  await db.query('DEFINE TABLE canary SCHEMALESS PERMISSIONS NONE; CREATE canary:1').collect()
  let kept: UserQueries | undefined

  await sessions.run(caller('auth0|alice'), async (queries) => { kept = queries })

  await t.rejects((kept as UserQueries).query('SELECT * FROM canary'), { code: 'DB_IDENTITY_REJECTED' })
})

t.test('a canary table with PERMISSIONS NONE never leaks through a user session', async (t) => {
  const { db, sessions } = await openTestDatabase(t)
  await db.query('DEFINE TABLE canary SCHEMALESS PERMISSIONS NONE; CREATE canary:1 SET secret = "s"').collect()

  const results = await sessions.run(caller('auth0|root-wannabe', ['admin']), (queries) => queries.query(
    `SELECT * FROM canary;
     SELECT * FROM canary:1;
     SELECT * FROM (SELECT * FROM canary);
     UPDATE canary SET secret = "changed";
     DELETE canary;
     RETURN (SELECT VALUE secret FROM canary)`
  ))

  t.same(results, [[], [], [], [], [], []])
  const [rows] = await db.query<[Array<{ secret: string }>]>('SELECT * FROM canary').collect()
  t.same(rows.map((row) => row.secret), ['s'])
})

t.test('a user session cannot read system information or change the schema', async (t) => {
  const { db, sessions } = await openTestDatabase(t)
  const statements = [
    'INFO FOR ROOT',
    'INFO FOR NS',
    'INFO FOR DB',
    'DEFINE TABLE sneaky SCHEMALESS PERMISSIONS FULL',
    'DEFINE ACCESS OVERWRITE api ON DATABASE TYPE RECORD WITH JWT ALGORITHM HS512 KEY "x"',
    'REMOVE TABLE user'
  ]

  for (const sql of statements) {
    const attempt = sessions.run(caller('auth0|alice', ['admin']), (queries) => queries.query(sql))
    await t.rejects(attempt, { name: 'NotAllowedError' }, sql)
  }

  const [info] = await db.query<[{ tables: Record<string, unknown>, accesses: Record<string, string> }]>(
    'INFO FOR DB'
  ).collect()
  t.notOk('sneaky' in info.tables)
  t.ok('user' in info.tables)
  t.match(info.accesses.api, /EDDSA/)
})

t.test('each awkward sub gets its own record that round-trips exactly', async (t) => {
  const { db, sessions } = await openTestDatabase(t)

  for (const sub of AWKWARD_SUBS) {
    const [, stored, auth] = await sessions.run(caller(sub), (queries) => storeOwnSub(queries, sub))
    t.equal(stored, sub, JSON.stringify(sub))
    t.same(auth, new RecordId('user', sub))
  }

  const [ids] = await db.query<[RecordId[]]>('SELECT VALUE id FROM user').collect()
  t.same(new Set(ids.map((id) => id.id)), new Set(AWKWARD_SUBS))
})

t.test('no awkward sub can read or change another one\'s record', async (t) => {
  const { db, sessions } = await openTestDatabase(t)
  for (const sub of AWKWARD_SUBS) await sessions.run(caller(sub), (queries) => storeOwnSub(queries, sub))

  for (const sub of AWKWARD_SUBS) {
    const [visible, updated] = await sessions.run(caller(sub), (queries) => queries.query<[
      Array<{ sub: string }>, unknown[]
    ]>('SELECT sub FROM user; UPDATE user SET email = "hijacked" WHERE id != $caller'))
    t.same(visible.map((row) => row.sub), [sub], JSON.stringify(sub))
    t.same(updated, [])
  }

  const [emails] = await db.query<[unknown[]]>('SELECT VALUE email FROM user WHERE email != NONE').collect()
  t.same(emails, [])
})

t.test('any unicode sub round-trips to a record of its own', async (t) => {
  const { sessions } = await openTestDatabase(t)
  const metacharacters = fc.constantFrom('|', '`', '\\', '⟩', '⟨', "'", '"', ';', ':', '$', '{', '}', '-', ' ', '\n')
  const sub = fc.string({ unit: fc.oneof(metacharacters, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), minLength: 1, maxLength: 24 })

  await fc.assert(fc.asyncProperty(sub, async (value) => {
    const [, stored, auth] = await sessions.run(caller(value), (queries) => storeOwnSub(queries, value))
    return stored === value && String((auth as RecordId).id) === value
  }), { numRuns: 150 })
  t.pass('every generated sub round-tripped')
})

t.test('parallel sessions of different users each run as their own user', async (t) => {
  const { sessions } = await openTestDatabase(t)
  const subs = Array.from({ length: 100 }, (_, index) => `auth0|parallel-${index}`)

  const seen = await Promise.all(subs.map((sub) =>
    sessions.run(caller(sub), async (queries) => {
      const [first] = await queries.query<[RecordId]>('RETURN $auth')
      const [second] = await queries.query<[RecordId]>('RETURN $auth')
      return [first.id, second.id]
    })
  ))

  t.same(seen, subs.map((sub) => [sub, sub]))
})

t.test('a thousand sessions leave no engine sessions and no SDK timers behind', async (t) => {
  const { db, sessions } = await openTestDatabase(t)
  await sessions.run(caller('auth0|warm-up'), (queries) => queries.query('RETURN 1'))
  const timersBefore = countTimeouts()

  for (let index = 0; index < 1_000; index++) {
    await sessions.run(caller(`auth0|user-${index % 10}`), (queries) => queries.query('SELECT * FROM $caller'))
  }

  t.equal(await countEngineSessions(db), 0)
  t.equal(countTimeouts(), timersBefore)
})

t.test('a failed run still closes its session', async (t) => {
  const { db, sessions } = await openTestDatabase(t)

  const attempt = sessions.run(caller('auth0|alice'), async () => { throw new Error('boom') })

  await t.rejects(attempt, /boom/)
  t.equal(await countEngineSessions(db), 0)
})

t.test('a failing statement reports its own error and rolls the others back', async (t) => {
  const { db, sessions } = await openTestDatabase(t)

  const attempt = sessions.run(caller('auth0|alice'), (queries) => queries.query(
    'UPSERT $caller SET sub = $sub; SELECT * FROM user; THROW "refused"; RETURN 1',
    { sub: 'auth0|alice' }
  ))

  await t.rejects(attempt, { name: 'ThrownError', message: /refused/ })
  const [rows] = await db.query<[unknown[]]>('SELECT * FROM user').collect()
  t.same(rows, [])
})

t.test('user queries refuse transaction statements of their own', async (t) => {
  const { sessions } = await openTestDatabase(t)

  for (const sql of ['BEGIN; RETURN 1; COMMIT', 'RETURN 1; cancel transaction', '  commit']) {
    const attempt = sessions.run(caller('auth0|alice'), (queries) => queries.query(sql))
    await t.rejects(attempt, TypeError, sql)
  }
})

t.test('results come back one per statement, the guard left out', async (t) => {
  const { sessions } = await openTestDatabase(t)

  const results = await sessions.run(caller('auth0|alice'), (queries) => queries.query(
    'LET $x = 2; SELECT VALUE sub FROM user; RETURN $x * 3 -- a comment'
  ))

  t.same(results, [undefined, [], 6])
})

t.test('a top-level RETURN ends the statement list, as in any transaction', async (t) => {
  const { db, sessions } = await openTestDatabase(t)

  const results = await sessions.run(caller('auth0|alice'), (queries) => queries.query(
    'RETURN 1; UPSERT $caller SET sub = "auth0|alice"; RETURN 2'
  ))

  t.same(results, [1])
  const [rows] = await db.query<[unknown[]]>('SELECT * FROM user').collect()
  t.same(rows, [])
})

t.test('the readiness probe authenticates as a record user, not as root', async (t) => {
  const { db, sessions, sessionsWith } = await openTestDatabase(t)

  t.equal(await sessions.probe(), true)
  await t.rejects(sessionsWith({ accessKey: generateAccessKey() }).probe())
  t.same(await db.query('RETURN 1').collect(), [1], 'the system session still works')
  t.equal(await countEngineSessions(db), 0)
})
