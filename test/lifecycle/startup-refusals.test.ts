import t from 'tap'
import '../helper.js'
import { devEnv, findFreePort, runToEnd, tempDir } from '../support/server-process.js'

t.test('start-up refuses settings that cannot work, with one clear line', async (t) => {
  const dir = await tempDir(t)
  const env = devEnv(dir, await findFreePort())
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['http', { SURREAL_URL: 'http://127.0.0.1:8000' }, /SURREAL_URL: http\(s\):\/\/ has no sessions; use ws:\/\/ or wss:\/\//],
    ['https', { SURREAL_URL: 'https://db.example.test' }, /SURREAL_URL: http\(s\):\/\/ has no sessions/],
    ['production without a tenant', { NODE_ENV: 'production' }, /AUTH0_DOMAIN or AUTH0_ISSUER is required when NODE_ENV=production/],
    ['port 0 with the development issuer', { PORT: '0' }, /PORT=0 cannot serve the development issuer/]
  ]

  const results = await Promise.all(cases.map(([, overrides]) =>
    runToEnd('src/server.ts', [], { ...env, ...overrides })))

  cases.forEach(([name, , message], index) => {
    t.equal(results[index]?.code, 1, name)
    t.match(results[index]?.output, message, name)
  })
})

t.test('npm run token refuses to mint outside the development issuer', async (t) => {
  const dir = await tempDir(t)
  const env = devEnv(dir, await findFreePort())

  const [production, tenant] = await Promise.all([
    runToEnd('scripts/token.ts', [], { ...env, NODE_ENV: 'production' }),
    runToEnd('scripts/token.ts', [], { ...env, AUTH0_DOMAIN: 'tenant.example.test', AUTH0_AUDIENCE: 'https://api.example.test' })
  ])

  t.equal(production.code, 1)
  t.match(production.output, /^npm run token: AUTH0_DOMAIN or AUTH0_ISSUER is required when NODE_ENV=production\n$/)
  t.equal(tenant.code, 1)
  t.match(tenant.output, /only works with the development issuer/)
})
