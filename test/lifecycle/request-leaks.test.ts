import t from 'tap'
import { bearer, build } from '../helper.js'
import { countEngineSessions, countTimeouts, openAppDatabase } from '../support/database.js'

const REQUESTS = 2_000
// One user in a tight loop: rate limits and load shedding are not the subject.
const NO_LIMITS = { RATE_LIMIT_MAX: '1000000', MAX_EVENT_LOOP_DELAY_MS: '0' }

t.test('2,000 sequential requests leave no timers and no engine sessions behind', async (t) => {
  const database = await openAppDatabase(t)
  const { app, issuer } = await build(t, { database, env: NO_LIMITS })
  const token = await issuer.sign({ claims: { sub: 'auth0|busy' } })
  await app.inject({ url: '/v1/me', headers: bearer(token) })
  const timersBefore = countTimeouts()
  const statuses = new Set<number>()

  for (let index = 0; index < REQUESTS; index++) {
    statuses.add((await app.inject({ url: '/v1/me', headers: bearer(token) })).statusCode)
  }

  t.same([...statuses], [200])
  t.equal(await countEngineSessions(database), 0)
  t.ok(countTimeouts() <= timersBefore, `timers before ${timersBefore}, after ${countTimeouts()}`)
})
