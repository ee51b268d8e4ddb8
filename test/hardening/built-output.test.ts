import t from 'tap'
import { execFile } from 'node:child_process'
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { bearer, buildIssuer, TEST_AUDIENCE } from '../helper.js'
import { spawnServer, stopIfRunning, waitForPort } from './server-process.js'

const ROOT = join(import.meta.dirname, '..', '..')
// Same steps as `npm run build`, into a scratch folder so the test never
// touches a dist/ someone is using. --noCheck gives the same files without
// the type check, which `npm test` has already done.
const OUT_DIR = join(ROOT, 'test-output', 'dist-check')
const run = promisify(execFile)

async function buildLikeNpmRunBuild (): Promise<void> {
  await rm(OUT_DIR, { recursive: true, force: true })
  await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--noCheck', '--outDir', OUT_DIR], { cwd: ROOT })
  await copyFile(join(ROOT, 'package.json'), join(OUT_DIR, 'package.json'))
}

t.test('the built output holds only the app and serves health and an authenticated route from .js files', async (t) => {
  await buildLikeNpmRunBuild()
  const top = (await readdir(OUT_DIR)).sort()
  const cwd = await mkdtemp(join(tmpdir(), 'api-built-'))
  t.teardown(() => rm(cwd, { recursive: true, force: true }))
  const issuer = await buildIssuer(t)
  const server = spawnServer({
    cwd,
    built: true,
    builtDir: OUT_DIR,
    env: {
      NODE_ENV: 'development',
      AUTH0_ISSUER: issuer.url,
      AUTH0_AUDIENCE: TEST_AUDIENCE,
      SURREAL_URL: 'mem://'
    }
  })
  t.teardown(() => stopIfRunning(server))
  const port = await waitForPort(server)
  const token = await issuer.sign({ claims: { sub: 'auth0|built' } })

  const health = await fetch(`http://127.0.0.1:${port}/healthz`)
  const me = await fetch(`http://127.0.0.1:${port}/v1/me`, { headers: bearer(token) })
  const meBody = await me.json() as { user: { sub: string } }
  server.child.kill('SIGTERM')
  const code = await server.exited

  t.same(top, ['package.json', 'plugins', 'routes', 'src'], 'no tests, scripts or fixtures in the build')
  t.equal(health.status, 200)
  t.equal(me.status, 200, 'plugins and routes were autoloaded from .js')
  t.equal(meBody.user.sub, 'auth0|built')
  t.equal(code, 0, 'SIGTERM ends the built server cleanly')
})
