import t from 'tap'
import { createRateLimiter, readRateLimit, type Clock } from '../../../src/auth0/rate-limit.js'
import { UpstreamRateLimitedError } from '../../../src/auth0/upstream.js'

function fakeClock (startMs = 1_700_000_000_000): Clock & { slept: number[] } {
  let now = startMs
  const slept: number[] = []
  return {
    slept,
    now: () => now,
    random: () => 0.5,
    sleep: async (ms) => { slept.push(ms); now += ms }
  }
}

const POLICY = { maxRetries: 2, maxWaitMs: 5_000, jitterMs: 200, fallbackWaitMs: 500 }

t.test('reads Auth0 rate-limit headers, with reset in Unix seconds', async (t) => {
  const headers = new Headers({ 'x-ratelimit-limit': '50', 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': '1700000010' })

  t.same(readRateLimit(headers), { limit: 50, remaining: 3, resetAtMs: 1_700_000_010_000 })
  t.same(readRateLimit(new Headers({ 'x-ratelimit-reset': 'soon' })), { limit: undefined, remaining: undefined, resetAtMs: undefined })
})

t.test('a 429 is retried after the reset time plus jitter', async (t) => {
  const clock = fakeClock()
  const limiter = createRateLimiter(POLICY, clock)
  let attempts = 0

  const result = await limiter.run(async () => {
    attempts++
    if (attempts === 1) throw new UpstreamRateLimitedError(clock.now() + 1_000)
    return 'done'
  })

  t.equal(result, 'done')
  t.same(clock.slept, [1_100])
})

t.test('retries are bounded and end in MGMT_RATE_LIMITED with Retry-After', async (t) => {
  const clock = fakeClock()
  const limiter = createRateLimiter(POLICY, clock)
  let attempts = 0

  const error = await limiter.run(async () => {
    attempts++
    throw new UpstreamRateLimitedError(clock.now() + 2_000)
  }).catch((err: unknown) => err) as { code: string, retryAfterSec: number }

  t.equal(attempts, 3)
  t.equal(error.code, 'MGMT_RATE_LIMITED')
  t.equal(error.retryAfterSec, 2)
})

t.test('an exhausted budget is waited out before the next call', async (t) => {
  const clock = fakeClock()
  const limiter = createRateLimiter(POLICY, clock)
  limiter.record({ limit: 10, remaining: 0, resetAtMs: clock.now() + 800 })

  await limiter.run(async () => 'ok')

  t.same(clock.slept, [900])
})

t.test('an exhausted budget with a distant reset fails at once without a call', async (t) => {
  const clock = fakeClock()
  const limiter = createRateLimiter(POLICY, clock)
  limiter.record({ limit: 10, remaining: 0, resetAtMs: clock.now() + 60_000 })
  let calls = 0

  const error = await limiter.run(async () => { calls++ }).catch((err: unknown) => err) as { retryAfterSec: number }

  t.equal(calls, 0)
  t.equal(error.retryAfterSec, 60)
})
