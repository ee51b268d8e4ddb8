import t from 'tap'
import { bearer, build, buildIssuer } from '../helper.js'
import { distrustAppKey, openAppDatabase } from '../support/database.js'

// Closing the embedded engine stalls the event loop for a moment; load
// shedding would then answer 503 for its own reason, not the one tested.
const STEADY = { MAX_EVENT_LOOP_DELAY_MS: '0' }

t.test('GET /healthz answers without a token', async (t) => {
  const { app } = await build(t)

  const response = await app.inject({ url: '/healthz' })

  t.equal(response.statusCode, 200)
  t.same(response.json(), { status: 'ok' })
})

t.test('GET /readyz is ready when a per-user session works and the key set is reachable', async (t) => {
  const { app } = await build(t)

  const response = await app.inject({ url: '/readyz' })

  t.equal(response.statusCode, 200)
  t.same(response.json(), { status: 'ready', checks: { database: true, signingKeys: true } })
})

t.test('GET /readyz is 503 when the key set cannot be reached and no key is loaded', async (t) => {
  const issuer = await buildIssuer(t)
  const { app } = await build(t, { issuer })

  for (const breakIt of [() => { issuer.state = 'fail' }, () => issuer.close()]) {
    await breakIt()
    const response = await app.inject({ url: '/readyz' })

    t.equal(response.statusCode, 503)
    t.equal(response.headers['retry-after'], '5')
    t.same(response.json(), { status: 'unavailable', checks: { database: true, signingKeys: false } })
  }
})

t.test('GET /readyz gives up on a key set that never answers, and /healthz answers meanwhile', async (t) => {
  const issuer = await buildIssuer(t)
  const { app } = await build(t, { issuer })
  issuer.state = 'black-hole'

  const readiness = app.inject({ url: '/readyz' })
  const startedLiveness = Date.now()
  const liveness = await app.inject({ url: '/healthz' })
  const livenessMs = Date.now() - startedLiveness

  t.equal(liveness.statusCode, 200)
  t.ok(livenessMs < 1_000, `healthz took ${livenessMs} ms`)
  t.equal((await readiness).statusCode, 503)
})

t.test('GET /readyz stays ready on cached keys while the key set is down', async (t) => {
  const issuer = await buildIssuer(t)
  const { app } = await build(t, { issuer })
  const token = await issuer.sign()
  t.equal((await app.inject({ url: '/v1/me', headers: bearer(token) })).statusCode, 200)
  await issuer.close()

  const response = await app.inject({ url: '/readyz' })

  t.equal(response.statusCode, 200)
  t.same(response.json().checks, { database: true, signingKeys: true })
})

t.test('GET /readyz is 503 while authenticated reads fail, though the system session works', async (t) => {
  const database = await openAppDatabase(t)
  const { app } = await build(t, { database })
  t.equal((await app.inject({ url: '/readyz' })).statusCode, 200)
  await distrustAppKey(database)

  const response = await app.inject({ url: '/readyz' })

  t.equal(response.statusCode, 503)
  t.same(response.json(), { status: 'unavailable', checks: { database: false, signingKeys: true } })
  t.same(await database.query('RETURN 1').collect(), [1])
})

t.test('GET /readyz is 503 once the database is closed', async (t) => {
  const database = await openAppDatabase(t)
  const { app } = await build(t, { database, env: STEADY })
  await database.close()

  const response = await app.inject({ url: '/readyz' })

  t.equal(response.statusCode, 503)
  t.same(response.json().checks, { database: false, signingKeys: true })
})
