import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import type { Surreal } from 'surrealdb'
import '../../helper.js'
import {
  closeConnection,
  findStoreKey,
  openConnection,
  type ConnectionSettings
} from '../../../src/db/connection.js'

const REOPEN_LIMIT_MS = 10_000
const LOCK_FAILURE_LIMIT_MS = 3_000

async function tempDir (t: Tap): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'surreal-connection-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

interface Tap {
  teardown (fn: () => unknown): void
}

function settingsFor (url: string, connectTimeoutMs = REOPEN_LIMIT_MS): ConnectionSettings {
  return { url, namespace: 'app', database: 'main', connectTimeoutMs }
}

// Once a table has an index, closing the embedded engine no longer frees
// the files: the case that used to hang on reopen.
async function writeIndexedRow (db: Surreal): Promise<void> {
  await db.query(`
    DEFINE TABLE IF NOT EXISTS note SCHEMALESS;
    DEFINE INDEX IF NOT EXISTS note_owner ON note FIELDS owner;
    CREATE note:1 SET owner = 'alice';
  `).collect()
}

async function holdInAnotherProcess (t: Tap, url: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/hold-database.ts', url], {
    stdio: ['ignore', 'pipe', 'inherit']
  })
  t.teardown(() => { child.kill('SIGKILL') })
  const [chunk] = await once(child.stdout, 'data') as [Buffer]
  if (!chunk.toString().includes('ready')) throw new Error('the holder did not open the database')
}

t.test('an on-disk database reopens in the same process after close and keeps its data', async (t) => {
  const url = `surrealkv://${await tempDir(t)}/db`
  const first = await openConnection(settingsFor(url))
  await writeIndexedRow(first)
  await closeConnection(first)

  const started = Date.now()
  const second = await openConnection(settingsFor(url))
  t.teardown(() => closeConnection(second))
  const [rows] = await second.query<[Array<{ owner: string }>]>('SELECT * FROM note').collect()

  t.ok(Date.now() - started < REOPEN_LIMIT_MS)
  t.same(rows.map((row) => row.owner), ['alice'])
})

t.test('a relative surrealkv path reopens as the same store', async (t) => {
  const dir = await tempDir(t)
  const relative = join(dir, 'db').replace(`${process.cwd()}/`, '')

  t.equal(findStoreKey(`surrealkv://${join(dir, 'db')}`), findStoreKey(`surrealkv://${relative}`))
  t.equal(findStoreKey('mem://'), undefined)
})

t.test('a second open of a path already open in this process fails at once', async (t) => {
  const url = `surrealkv://${await tempDir(t)}/db`
  const first = await openConnection(settingsFor(url))
  t.teardown(() => closeConnection(first))

  const started = Date.now()
  await t.rejects(openConnection(settingsFor(url)), {
    name: 'DatabaseStartupError',
    message: /already open in this process/
  })
  t.ok(Date.now() - started < LOCK_FAILURE_LIMIT_MS)
})

t.test('a data directory locked by another process fails fast with a message naming the lock', async (t) => {
  const dir = await tempDir(t)
  const url = `surrealkv://${dir}/db`
  await holdInAnotherProcess(t, url)

  const started = Date.now()
  const error = await openConnection(settingsFor(url)).catch((err: Error) => err)

  t.ok(Date.now() - started < LOCK_FAILURE_LIMIT_MS, `failed after ${Date.now() - started} ms`)
  t.match(error, { name: 'DatabaseStartupError' })
  t.match((error as Error).message, /LOCK/)
  t.match((error as Error).message, /locked by another process/)
  t.match((error as Error).message, /another process using the same data directory/)
})

t.test('mem:// databases open and close again and again without hanging', async (t) => {
  for (let round = 0; round < 3; round++) {
    const db = await openConnection(settingsFor('mem://'))
    await writeIndexedRow(db)
    const [rows] = await db.query<[unknown[]]>('SELECT * FROM note').collect()
    t.equal(rows.length, 1, 'each one starts empty')
    await closeConnection(db)
  }
})

t.test('a server that is not there fails within the connect timeout, on Node.js 20 without flags', async (t) => {
  const started = Date.now()
  const child = spawn(process.execPath, [
    '--import', 'tsx', 'test/support/hold-database.ts', 'ws://127.0.0.1:9/rpc', '500'
  ], { stdio: ['ignore', 'ignore', 'pipe'] })
  t.teardown(() => { child.kill('SIGKILL') })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })

  const [code] = await once(child, 'exit')

  t.equal(code, 1)
  t.match(stderr, /did not open within 500 ms: is the SurrealDB server running and reachable\?/)
  t.ok(Date.now() - started < 10_000)
})
