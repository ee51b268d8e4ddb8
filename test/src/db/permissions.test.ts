import t from 'tap'
import { RecordId } from 'surrealdb'
import { build } from '../../helper.js'
import { createDocument, deleteDocument, exactly, findDocument, listDocuments, updateDocument } from '../../../src/db/documents.js'
import { listAudit } from '../../../src/db/audit.js'
import type { Caller } from '../../../src/db/user-sessions.js'

// These tests skip the route guards entirely: they call the src/db functions
// and raw SurrealQL in a session authenticated as the caller, so only the
// table PERMISSIONS stand between a user and other users' rows.

const alice: Caller = { sub: 'auth0|alice', roles: ['user'], permissions: ['read:documents', 'write:own_documents'] }
// Bob's token claims every document permission except admin.
const bob: Caller = {
  sub: 'auth0|bob',
  roles: ['user'],
  permissions: ['read:documents', 'write:documents', 'write:own_documents', 'delete:documents']
}
const admin: Caller = { sub: 'auth0|ada', roles: ['admin'], permissions: ['admin', 'read:documents'] }

t.test('table permissions without the route guards', async (t) => {
  const { app } = await build(t)
  const sessions = app.userSessions
  const doc = await sessions.run(alice, (queries) => createDocument(queries, { title: 'alice only', body: 'secret' }))
  const docId = new RecordId('document', doc.id)

  t.test('another user cannot read the document', async (t) => {
    const found = await sessions.run(bob, (queries) => findDocument(queries, doc.id))
    const listed = await sessions.run(bob, (queries) => listDocuments(queries, bob, { limit: 100 }))
    const [raw] = await sessions.run(bob, (queries) => queries.query<[unknown[]]>('SELECT * FROM document'))

    t.equal(found, undefined)
    t.same(listed.items, [])
    t.same(raw, [])
  })

  t.test('another user cannot change or delete it, through src/db or raw SurrealQL', async (t) => {
    const update = await sessions.run(bob, (queries) => updateDocument(queries, bob, doc.id, { title: 'pwned' }, exactly(1)))
      .catch((err: { statusCode: number }) => err.statusCode)
    const remove = await sessions.run(bob, (queries) => deleteDocument(queries, doc.id))
      .catch((err: { statusCode: number }) => err.statusCode)
    const [updated, deleted] = await sessions.run(bob, (queries) => queries.query<[unknown[], unknown[]]>(
      'UPDATE $id SET title = "pwned"; DELETE $id RETURN BEFORE;',
      { id: docId }
    ))

    t.equal(update, 404)
    t.equal(remove, 404)
    t.same(updated, [])
    t.same(deleted, [])
    const stored = await sessions.run(alice, (queries) => findDocument(queries, doc.id))
    t.match(stored, { title: 'alice only', version: 1 })
  })

  t.test('a user cannot create a document in another user\'s name', async (t) => {
    const [created] = await sessions.run(bob, (queries) => queries.query<[unknown[]]>(
      'CREATE document SET owner = type::record("user", "auth0|alice"), title = "forged"'
    ))

    t.same(created, [])
  })

  t.test('write:own_documents without ownership changes nothing even when the guard is skipped', async (t) => {
    const [updated] = await sessions.run(alice, (queries) => queries.query<[unknown[]]>(
      'UPDATE document SET title = "mass edit" RETURN AFTER'
    ))

    t.equal((updated as Array<{ owner: RecordId }>).every((row) => String(row.owner.id) === 'auth0|alice'), true)
  })

  t.test('no user session can alter, delete or forge audit rows', async (t) => {
    const before = await sessions.run(admin, (queries) => listAudit(queries, { limit: 100 }))
    const attempts = 'UPDATE audit SET action = "nothing"; DELETE audit RETURN BEFORE; ' +
      'CREATE audit SET actor = type::record("user", "auth0|alice"), action = "x", target = "y", outcome = "success";'

    for (const caller of [bob, admin]) {
      const results = await sessions.run(caller, (queries) => queries.query<unknown[][]>(attempts))
      t.same(results, [[], [], []], `${caller.sub} changes nothing`)
    }
    const [readByUser] = await sessions.run(bob, (queries) => queries.query<[unknown[]]>('SELECT * FROM audit'))
    const after = await sessions.run(admin, (queries) => listAudit(queries, { limit: 100 }))

    t.ok(before.items.length > 0, 'the document create was audited')
    t.same(readByUser, [], 'a non-admin reads no audit rows')
    t.same(after.items, before.items, 'audit rows are unchanged')
  })

  t.test('a table with PERMISSIONS NONE never leaks', async (t) => {
    const [rows] = await sessions.run(admin, (queries) => queries.query<[unknown[]]>('SELECT * FROM schema_migration'))

    t.same(rows, [])
  })

  t.test('permissions come from the request token, not from what was stored earlier', async (t) => {
    const demoted: Caller = { ...bob, sub: 'auth0|alice', permissions: ['read:documents'] }

    const [updated] = await sessions.run(demoted, (queries) => queries.query<[unknown[]]>(
      'UPDATE $id SET title = "no longer allowed"',
      { id: docId }
    ))

    t.same(updated, [])
  })
})
