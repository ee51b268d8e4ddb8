import t from 'tap'
import '../../helper.js'
import { generateAccessKey } from '../../../src/db/access-key.js'
import { closeConnection, openConnection } from '../../../src/db/connection.js'
import { migrate, MIGRATIONS } from '../../../src/db/migrations.js'

async function openEmpty (t: { teardown (fn: () => unknown): void }) {
  const db = await openConnection({ url: 'mem://', namespace: 'app', database: 'main', connectTimeoutMs: 10_000 })
  t.teardown(() => closeConnection(db))
  return db
}

async function schemaOf (db: Awaited<ReturnType<typeof openEmpty>>): Promise<unknown> {
  const [info] = await db.query<[Record<string, Record<string, string>>]>('INFO FOR DB').collect()
  const tables: Record<string, unknown> = {}
  for (const name of Object.keys(info.tables ?? {})) {
    const [table] = await db.query<[unknown]>(`INFO FOR TABLE ${name}`).collect()
    tables[name] = table
  }
  return { db: info, tables }
}

t.test('a fresh database gets every migration once, in order', async (t) => {
  const db = await openEmpty(t)

  const ran = await migrate(db, generateAccessKey().publicKeyPem)

  t.same(ran, MIGRATIONS.map((migration) => migration.version))
  const [versions] = await db.query<[number[]]>('SELECT VALUE record::id(id) FROM schema_migration').collect()
  t.same([...versions].sort((a, b) => a - b), ran)
})

t.test('running the migrations again changes nothing', async (t) => {
  const db = await openEmpty(t)
  const { publicKeyPem } = generateAccessKey()
  await migrate(db, publicKeyPem)
  const before = await schemaOf(db)
  const [appliedBefore] = await db.query<[unknown[]]>('SELECT * FROM schema_migration ORDER BY id').collect()

  const ran = await migrate(db, publicKeyPem)

  t.same(ran, [])
  t.same(await schemaOf(db), before)
  t.same((await db.query<[unknown[]]>('SELECT * FROM schema_migration ORDER BY id').collect())[0], appliedBefore)
})

t.test('a restart with another key trusts only the new key', async (t) => {
  const db = await openEmpty(t)
  const first = generateAccessKey()
  const second = generateAccessKey()
  await migrate(db, first.publicKeyPem)

  await migrate(db, second.publicKeyPem)

  const [info] = await db.query<[{ accesses: Record<string, string> }]>('INFO FOR DB').collect()
  const singleLine = (pem: string) => pem.trim().split('\n').slice(1, -1).join('')
  t.match(info.accesses.api, singleLine(second.publicKeyPem))
  t.notMatch(info.accesses.api, singleLine(first.publicKeyPem))
})

t.test('a failing migration leaves nothing behind and can be run again', async (t) => {
  const db = await openEmpty(t)
  const { publicKeyPem } = generateAccessKey()
  const broken = [{ version: 900, name: 'broken', statements: 'DEFINE TABLE half SCHEMALESS; THROW "stop"' }]

  await t.rejects(migrate(db, publicKeyPem, broken), /migration 900 \(broken\) failed: An error occurred: stop/)

  const [info] = await db.query<[{ tables: Record<string, unknown> }]>('INFO FOR DB').collect()
  t.notOk('half' in info.tables)
  const fixed = [{ version: 900, name: 'fixed', statements: 'DEFINE TABLE IF NOT EXISTS half SCHEMALESS' }]
  t.same(await migrate(db, publicKeyPem, fixed), [900])
})
