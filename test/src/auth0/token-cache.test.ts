import t from 'tap'
import { createTokenCache, type IssuedToken } from '../../../src/auth0/token-cache.js'

function issuerAt (clock: { ms: number }, lifetimeMs: number) {
  let issued = 0
  return {
    count: () => issued,
    request: async (): Promise<IssuedToken> => {
      issued++
      await new Promise((resolve) => setTimeout(resolve, 5))
      return { accessToken: `token-${issued}`, expiresAtMs: clock.ms + lifetimeMs }
    }
  }
}

t.test('concurrent callers share one token request', async (t) => {
  const clock = { ms: 1_000_000 }
  const issuer = issuerAt(clock, 86_400_000)
  const cache = createTokenCache(issuer.request, () => clock.ms)

  const tokens = await Promise.all(Array.from({ length: 100 }, () => cache.get()))

  t.equal(issuer.count(), 1)
  t.ok(tokens.every((token) => token === 'token-1'))
})

t.test('a cached token is reused until shortly before it expires, then renewed', async (t) => {
  const clock = { ms: 1_000_000 }
  const issuer = issuerAt(clock, 3_600_000)
  const cache = createTokenCache(issuer.request, () => clock.ms)

  await cache.get()
  clock.ms += 3_600_000 - 61_000
  const stillCached = await cache.get()
  clock.ms += 2_000
  const renewed = await cache.get()

  t.equal(stillCached, 'token-1')
  t.equal(renewed, 'token-2')
  t.equal(issuer.count(), 2)
})

t.test('a short-lived token is renewed at half its lifetime', async (t) => {
  const clock = { ms: 1_000_000 }
  const issuer = issuerAt(clock, 10_000)
  const cache = createTokenCache(issuer.request, () => clock.ms)

  await cache.get()
  clock.ms += 4_000
  const early = await cache.get()
  clock.ms += 2_000
  const late = await cache.get()

  t.equal(early, 'token-1')
  t.equal(late, 'token-2')
})

t.test('a failed token request is not remembered', async (t) => {
  let calls = 0
  const cache = createTokenCache(async () => {
    calls++
    if (calls === 1) throw new Error('down')
    return { accessToken: 'ok', expiresAtMs: Date.now() + 60_000 }
  })

  await t.rejects(cache.get(), /down/)
  const token = await cache.get()

  t.equal(token, 'ok')
  t.equal(calls, 2)
})
