import t from 'tap'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import '../helper.js'
import {
  devEnv,
  findFreePort,
  getMe,
  logLines,
  ROOT,
  runToEnd,
  startServer,
  tempDir,
  tracked
} from '../support/server-process.js'

t.test('the development issuer works end to end in a real process', async (t) => {
  const dir = await tempDir(t)
  const port = await findFreePort()
  const env = devEnv(dir, port)
  const first = tracked(t, await startServer(env))

  const minted = await runToEnd('scripts/token.ts', [
    '--sub', 'auth0|alice', '--email', 'alice@example.test', '--roles', 'admin', '--permissions', 'read:documents'
  ], env)
  const token = minted.output.trim()
  const before = await getMe(port, token)

  t.equal(minted.code, 0)
  t.equal(before.status, 200)
  t.equal(before.body.user.sub, 'auth0|alice')
  t.equal(before.body.user.email, 'alice@example.test')
  t.same(before.body.identity.roles, ['admin'])
  t.ok(before.body.identity.permissions.includes('read:documents'))

  t.test('the start-up log says how to get a token and call the API', async (t) => {
    const help = logLines(first.output()).find((line) => line.msg === 'development issuer active: no Auth0 tenant configured')

    t.equal(help?.issuer, `http://127.0.0.1:${port}/dev/`)
    t.match(String(help?.tryIt), `PORT=${port}`)
    t.match(String(help?.tryIt), `DATA_DIR=${dir}`)
    t.match(String(help?.tryIt), `http://127.0.0.1:${port}/v1/me`)
    t.match(String(help?.getToken), /npm run -s token -- --sub "auth0\|alice"/)
  })

  t.test('the curl line from the log works as printed', async (t) => {
    const help = logLines(first.output()).find((line) => typeof line.tryIt === 'string')
    const run = promisify(execFile)

    const { stdout } = await run('sh', ['-c', `${String(help?.tryIt)} -s`], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }
    })

    t.equal(JSON.parse(stdout).user.sub, 'auth0|alice')
  })

  t.test('the key set is served over HTTP', async (t) => {
    const response = await fetch(`http://127.0.0.1:${port}/dev/.well-known/jwks.json`)
    const { keys } = await response.json() as { keys: Array<Record<string, unknown>> }

    t.equal(keys.length, 1)
    t.equal(keys[0]?.alg, 'RS256')
    t.notOk('d' in (keys[0] ?? {}), 'no private part')
  })
})
