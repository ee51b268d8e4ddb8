import t from 'tap'
import '../helper.js'
import { closeConnection, openConnection } from '../../src/db/connection.js'
import {
  devEnv,
  findFreePort,
  getMe,
  runToEnd,
  startServer,
  stopServer,
  tempDir,
  tracked
} from '../support/server-process.js'

const SHUTDOWN_LIMIT_MS = 5_000
// Process start-up (tsx compiling the sources) comes on top of the failure.
const FAIL_FAST_LIMIT_MS = 10_000

t.test('a server on an on-disk database restarts cleanly on the same directory', async (t) => {
  const dir = await tempDir(t)
  const port = await findFreePort()
  const env = devEnv(dir, port)
  const first = tracked(t, await startServer(env))
  const minted = await runToEnd('scripts/token.ts', ['--sub', 'auth0|alice'], env)
  const token = minted.output.trim()
  const before = await getMe(port, token)

  t.equal(before.status, 200)

  t.test('a second process on the same data directory fails fast and names the lock', async (t) => {
    const started = Date.now()

    const second = await runToEnd('src/server.ts', [], { ...env, PORT: String(await findFreePort()) })

    t.equal(second.code, 1)
    t.match(second.output, /start-up failed: SurrealDB at surrealkv:\/\/.* failed to open: .*LOCK is already locked by another process/)
    t.ok(Date.now() - started < FAIL_FAST_LIMIT_MS, `exited after ${Date.now() - started} ms`)
  })

  t.test('SIGTERM stops it in time and a restart on the same directory keeps token and record', async (t) => {
    const stopped = await stopServer(first)
    const restarted = tracked(t, await startServer(env))
    const after = await getMe(port, token)
    const stoppedAgain = await stopServer(restarted)

    t.equal(stopped.code, 0)
    t.ok(stopped.ms < SHUTDOWN_LIMIT_MS, `exited ${stopped.ms} ms after SIGTERM`)
    t.equal(after.status, 200)
    t.same(after.body.user, { ...before.body.user, last_seen_at: after.body.user.last_seen_at })
    t.equal(stoppedAgain.code, 0)
  })

  t.test('the user record is in SurrealDB', async (t) => {
    const db = await openConnection({ url: env.SURREAL_URL as string, namespace: 'app', database: 'main', connectTimeoutMs: 10_000 })
    t.teardown(() => closeConnection(db))

    const [subs] = await db.query<[string[]]>('SELECT VALUE sub FROM user').collect()

    t.same(subs, ['auth0|alice'])
  })
})
