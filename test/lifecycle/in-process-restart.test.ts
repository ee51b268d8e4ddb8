import t from 'tap'
import { bearer, build, buildIssuer } from '../helper.js'
import { tempDir } from '../support/server-process.js'

const READY_LIMIT_MS = 10_000

t.test('C21: a second app on the same directory in the same process is ready in time and sees the data', async (t) => {
  const dir = await tempDir(t)
  const issuer = await buildIssuer(t)
  const env = { SURREAL_URL: `surrealkv://${dir}/db`, DATA_DIR: dir }
  const token = await issuer.sign({ claims: { sub: 'auth0|alice' } })
  const first = await build(t, { issuer, env })
  const before = (await first.app.inject({ url: '/v1/me', headers: bearer(token) })).json()
  await first.app.close()

  const started = Date.now()
  const second = await build(t, { issuer, env })
  const readyMs = Date.now() - started
  const after = await second.app.inject({ url: '/v1/me', headers: bearer(token) })

  t.ok(readyMs < READY_LIMIT_MS, `ready after ${readyMs} ms`)
  t.equal(after.statusCode, 200)
  t.equal(after.json().user.created_at, before.user.created_at)
})

t.test('C21 with mem://: apps come and go in one process without hanging', async (t) => {
  const issuer = await buildIssuer(t)
  const token = await issuer.sign({ claims: { sub: 'auth0|alice' } })

  for (let round = 0; round < 3; round++) {
    const started = Date.now()
    const { app } = await build(t, { issuer })
    const response = await app.inject({ url: '/v1/me', headers: bearer(token) })
    await app.close()

    t.equal(response.statusCode, 200)
    t.ok(Date.now() - started < READY_LIMIT_MS)
  }
})
