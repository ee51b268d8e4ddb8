import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { build } from '../helper.js'

const POLL_ROUNDS = 40

function blockEventLoop (ms: number): void {
  const end = Date.now() + ms
  while (Date.now() < end) { /* saturate the loop on purpose */ }
}

t.test('answers 503 with Retry-After while the event loop is saturated, and recovers', async (t) => {
  const { app } = await build(t, { env: { MAX_EVENT_LOOP_DELAY_MS: '40' } })

  // Block in slices so the delay sampler records the stalls; poll until
  // a request is refused rather than assuming when the sample lands.
  let refused
  for (let round = 0; round < POLL_ROUNDS && !refused; round++) {
    blockEventLoop(150)
    await sleep(1)
    const response = await app.inject({ url: '/v1/me' })
    if (response.statusCode === 503) refused = response
  }
  const liveness = await app.inject({ url: '/healthz' })

  let recovered
  for (let round = 0; round < POLL_ROUNDS && !recovered; round++) {
    await sleep(100)
    const response = await app.inject({ url: '/v1/me' })
    if (response.statusCode === 401) recovered = response
  }

  t.ok(refused, 'a request was shed while the loop was blocked')
  t.equal(refused?.json().code, 'SERVER_OVERLOADED')
  t.ok(Number(refused?.headers['retry-after']) > 0)
  t.equal(liveness.statusCode, 200, 'liveness keeps answering')
  t.ok(recovered, 'requests are served again once the loop is free')
})
