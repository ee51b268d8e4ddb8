import t from 'tap'
import { Surreal } from 'surrealdb'
import { createNodeEngines } from '@surrealdb/node'
import '../../helper.js'
import { generateAccessKey } from '../../../src/db/access-key.js'
import { migrate, MIGRATIONS } from '../../../src/db/migrations.js'

const RBAC_VERSIONS = [2, 3, 4]

t.test('the document, team and audit migrations can run again without harm', async (t) => {
  const db = new Surreal({ engines: createNodeEngines() })
  await db.connect('mem://')
  await db.use({ namespace: 'app', database: 'main' })
  t.teardown(() => db.close())
  const key = generateAccessKey()

  const first = await migrate(db, key.publicKeyPem)
  await db.query('CREATE document:keep SET owner = user:alice, title = \'kept\'').collect()
  for (const migration of MIGRATIONS.filter((m) => RBAC_VERSIONS.includes(m.version))) {
    await db.query(migration.statements).collect()
  }
  const second = await migrate(db, key.publicKeyPem)
  const [rows] = await db.query<[Array<{ title: string }>]>('SELECT title FROM document').collect()

  t.ok(RBAC_VERSIONS.every((version) => first.includes(version)), 'versions 2-4 applied once')
  t.same(second, [], 'nothing left to apply')
  t.same(rows, [{ title: 'kept' }], 'data survives a re-run')
})
