import t from 'tap'
import type { Identity } from '../../../src/auth/identity.js'
import { createProvisioner } from '../../../src/db/provisioning.js'
import { findOwnUser } from '../../../src/db/users.js'
import { caller, openTestDatabase, type TestDatabase } from '../../support/database.js'

function identityOf (sub: string, extra: Partial<Identity> = {}): Identity {
  return {
    sub,
    roles: ['user'],
    permissions: [],
    scopes: [],
    accessLevel: 'user',
    mfa: false,
    claims: {},
    ...extra
  }
}

function sleep (ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function visit (database: TestDatabase, provision: ReturnType<typeof createProvisioner>, identity: Identity) {
  return await database.sessions.run(caller(identity.sub), async (queries) => {
    await provision(queries, identity)
    return await findOwnUser(queries)
  })
}

t.test('the first visit creates the record and a quick repeat does not write', async (t) => {
  const database = await openTestDatabase(t)
  const provision = createProvisioner(60_000)
  const alice = identityOf('auth0|alice', { email: 'alice@example.test', name: 'Alice' })

  const first = await visit(database, provision, alice)
  const second = await visit(database, provision, alice)

  t.match(first, { id: 'auth0|alice', sub: 'auth0|alice', email: 'alice@example.test', name: 'Alice', token_roles: ['user'] })
  t.equal(second?.last_seen_at, first?.last_seen_at)
})

t.test('last-seen is refreshed once the interval has passed', async (t) => {
  const database = await openTestDatabase(t)
  const provision = createProvisioner(50)
  const alice = identityOf('auth0|alice')

  const first = await visit(database, provision, alice)
  await sleep(80)
  const later = await visit(database, provision, alice)

  t.ok(Date.parse(later?.last_seen_at as string) > Date.parse(first?.last_seen_at as string))
  t.equal(later?.created_at, first?.created_at)
})

t.test('new roles or a new email in the token are stored at once', async (t) => {
  const database = await openTestDatabase(t)
  const provision = createProvisioner(60_000)

  await visit(database, provision, identityOf('auth0|alice'))
  const promoted = await visit(database, provision, identityOf('auth0|alice', { roles: ['admin'], email: 'a@example.test' }))

  t.same(promoted?.token_roles, ['admin'])
  t.equal(promoted?.email, 'a@example.test')
})

t.test('a record removed behind the provisioner\'s back comes back after the interval', async (t) => {
  const database = await openTestDatabase(t)
  const provision = createProvisioner(50)
  const alice = identityOf('auth0|alice')
  await visit(database, provision, alice)
  await database.db.query('DELETE user').collect()

  await sleep(80)
  const back = await visit(database, provision, alice)

  t.equal(back?.sub, 'auth0|alice')
})
