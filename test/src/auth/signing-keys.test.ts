import t from 'tap'
import { pino } from 'pino'
import type { FastifyBaseLogger } from 'fastify'
import {
  createSigningKeyResolver,
  FETCH_FAILURE_BACKOFF_MS,
  toPublicKey,
  UNKNOWN_KID_COOLDOWN_MS,
  type SigningKeyOptions
} from '../../../src/auth/signing-keys.js'
import { findChallenge } from '../../../src/errors.js'
import { buildIssuer } from '../../helper.js'
import { createSigningKey, type TestIssuer } from '../../support/issuer.js'

const log = pino({ level: 'silent' }) as unknown as FastifyBaseLogger
const RS256 = 'RS256'

interface ManualClock {
  now: () => number
  advance: (ms: number) => void
}

function manualClock (): ManualClock {
  let at = 1_000_000
  return { now: () => at, advance: (ms) => { at += ms } }
}

function resolverFor (issuer: TestIssuer, options: Partial<SigningKeyOptions> = {}) {
  return createSigningKeyResolver({ jwksUri: `${issuer.url}.well-known/jwks.json`, log, ...options })
}

const INVALID_TOKEN = { statusCode: 401, code: 'AUTH_TOKEN_INVALID' }
const UNAVAILABLE = { statusCode: 503, code: 'AUTH_KEYS_UNAVAILABLE' }

t.test('resolves every published key right after start-up, one fetch per kid at most', async (t) => {
  const issuer = await buildIssuer(t, { keyIds: ['key-1', 'key-2'] })
  const keys = resolverFor(issuer)

  const [first, second] = await Promise.all([
    keys.getKey({ kid: 'key-1', alg: RS256 }),
    keys.getKey({ kid: 'key-2', alg: RS256 })
  ])
  const again = await keys.getKey({ kid: 'key-2', alg: RS256 })

  t.match(first, /^-----BEGIN PUBLIC KEY-----/)
  t.match(second, /^-----BEGIN PUBLIC KEY-----/)
  t.not(first, second)
  t.equal(again, second)
  t.ok(issuer.jwksGets() <= 2, `JWKS GETs: ${issuer.jwksGets()}`)
  t.ok(keys.hasKeys())
})

t.test('a stray kid on a cold cache holds off the real keys only for the failure backoff', async (t) => {
  const issuer = await buildIssuer(t)
  const clock = manualClock()
  const keys = resolverFor(issuer, { now: clock.now })

  const stray = await keys.getKey({ kid: 'kid-not-published', alg: RS256 }).catch((err) => err)
  clock.advance(FETCH_FAILURE_BACKOFF_MS)
  const genuine = await keys.getKey({ kid: 'key-1', alg: RS256 })

  t.match(stray, INVALID_TOKEN)
  t.match(genuine, /^-----BEGIN PUBLIC KEY-----/)
  t.equal(issuer.jwksGets(), 2)
})

t.test('shares one fetch between concurrent requests on a cold cache', async (t) => {
  const issuer = await buildIssuer(t)
  const keys = resolverFor(issuer)

  const pems = await Promise.all(Array.from({ length: 10 }, () => keys.getKey({ kid: 'key-1', alg: RS256 })))

  t.equal(new Set(pems).size, 1)
  t.equal(issuer.jwksGets(), 1)
})

t.test('refuses an unknown kid without a fetch within the cooldown after a miss', async (t) => {
  const issuer = await buildIssuer(t)
  const clock = manualClock()
  const keys = resolverFor(issuer, { now: clock.now })
  await keys.getKey({ kid: 'key-1', alg: RS256 })

  const missed = await keys.getKey({ kid: 'kid-not-published', alg: RS256 }).catch((err) => err)
  clock.advance(UNKNOWN_KID_COOLDOWN_MS - 1)
  const error = await keys.getKey({ kid: 'another-kid', alg: RS256 }).catch((err) => err)

  t.match(missed, INVALID_TOKEN)
  t.match(error, INVALID_TOKEN)
  t.equal(findChallenge(error)?.error, 'invalid_token')
  t.equal(issuer.jwksGets(), 2)
})

t.test('finds a key rotated in after start-up when no kid has missed', async (t) => {
  const issuer = await buildIssuer(t)
  const keys = resolverFor(issuer)
  await keys.getKey({ kid: 'key-1', alg: RS256 })
  issuer.keys.push(await createSigningKey('key-2'))

  const rotated = await keys.getKey({ kid: 'key-2', alg: RS256 })

  t.match(rotated, /^-----BEGIN PUBLIC KEY-----/)
  t.equal(issuer.jwksGets(), 2)
})

t.test('finds a rotated key once the cooldown after a miss ends', async (t) => {
  const issuer = await buildIssuer(t)
  const clock = manualClock()
  const keys = resolverFor(issuer, { now: clock.now })
  await keys.getKey({ kid: 'key-1', alg: RS256 })
  await keys.getKey({ kid: 'kid-not-published', alg: RS256 }).catch(() => {})
  issuer.keys.push(await createSigningKey('key-2'))

  const early = await keys.getKey({ kid: 'key-2', alg: RS256 }).catch((err) => err)
  clock.advance(UNKNOWN_KID_COOLDOWN_MS)
  const late = await keys.getKey({ kid: 'key-2', alg: RS256 })

  t.match(early, INVALID_TOKEN, 'the documented limitation')
  t.match(late, /^-----BEGIN PUBLIC KEY-----/)
  t.equal(issuer.jwksGets(), 3)
})

t.test('fetches at most once per cooldown for a flood of random kids', async (t) => {
  const issuer = await buildIssuer(t)
  const clock = manualClock()
  const keys = resolverFor(issuer, { now: clock.now })
  await keys.getKey({ kid: 'key-1', alg: RS256 })
  clock.advance(UNKNOWN_KID_COOLDOWN_MS)

  const results = await Promise.all(Array.from({ length: 50 }, (_, i) =>
    keys.getKey({ kid: `random-${i}`, alg: RS256 }).catch((err) => err)))
  for (let i = 0; i < 50; i++) {
    clock.advance(100)
    results.push(await keys.getKey({ kid: `later-${i}`, alg: RS256 }).catch((err) => err))
  }

  t.ok(results.every((error) => error.statusCode === 401 && error.code === 'AUTH_TOKEN_INVALID'))
  t.equal(issuer.jwksGets(), 2)
  t.equal(await keys.getKey({ kid: 'key-1', alg: RS256 }).then(() => 'ok'), 'ok')
})

t.test('answers 503 on a cold cache when the key set endpoint fails, without remembering the failure', async (t) => {
  const issuer = await buildIssuer(t)
  const clock = manualClock()
  const keys = resolverFor(issuer, { now: clock.now, failureBackoffMs: 1_000 })
  issuer.state = 'fail'

  const failed = await keys.getKey({ kid: 'key-1', alg: RS256 }).catch((err) => err)
  issuer.state = 'healthy'
  const withinBackoff = await keys.getKey({ kid: 'key-1', alg: RS256 }).catch((err) => err)
  clock.advance(1_000)
  const recovered = await keys.getKey({ kid: 'key-1', alg: RS256 })

  t.match(failed, UNAVAILABLE)
  t.match(withinBackoff, UNAVAILABLE)
  t.match(recovered, /^-----BEGIN PUBLIC KEY-----/)
  t.equal(issuer.jwksGets(), 2)
  t.notOk(findChallenge(failed), '503 carries no bearer challenge')
})

t.test('treats a key set that is not JSON as unavailable', async (t) => {
  const issuer = await buildIssuer(t)
  const keys = resolverFor(issuer)
  issuer.state = 'invalid-json'

  const error = await keys.getKey({ kid: 'key-1', alg: RS256 }).catch((err) => err)

  t.match(error, UNAVAILABLE)
  t.notOk(keys.hasKeys())
})

t.test('gives up on a key set endpoint that never answers after the timeout', async (t) => {
  const issuer = await buildIssuer(t)
  const keys = resolverFor(issuer, { timeoutMs: 300 })
  issuer.state = 'black-hole'
  const started = Date.now()

  const errors = await Promise.all([1, 2, 3].map(() => keys.getKey({ kid: 'key-1', alg: RS256 }).catch((err) => err)))

  t.ok(errors.every((error) => error.statusCode === 503))
  t.ok(Date.now() - started < 5_000, 'answers long before a client would give up')
  t.equal(issuer.jwksGets(), 1)
})

t.test('keeps verifying with cached keys when a refresh fails, until the stale window ends', async (t) => {
  const issuer = await buildIssuer(t)
  const clock = manualClock()
  const keys = resolverFor(issuer, { now: clock.now, refreshAfterMs: 10_000, maxStaleMs: 60_000 })
  const pem = await keys.getKey({ kid: 'key-1', alg: RS256 })
  issuer.state = 'fail'

  clock.advance(10_000)
  const stale = await keys.getKey({ kid: 'key-1', alg: RS256 })
  await waitForGets(issuer, 2)
  clock.advance(50_000)
  const expired = await keys.getKey({ kid: 'key-1', alg: RS256 }).catch((err) => err)

  t.equal(stale, pem)
  t.match(expired, UNAVAILABLE)
  t.notOk(keys.hasKeys())
})

t.test('refreshes an old key in the background and drops a key the issuer removed', async (t) => {
  const issuer = await buildIssuer(t, { keyIds: ['key-1', 'key-2'] })
  const clock = manualClock()
  const keys = resolverFor(issuer, { now: clock.now, refreshAfterMs: 10_000 })
  await keys.getKey({ kid: 'key-1', alg: RS256 })
  issuer.keys.shift()

  clock.advance(10_000)
  await keys.getKey({ kid: 'key-2', alg: RS256 })
  const removed = await eventuallyRejected(() => keys.getKey({ kid: 'key-1', alg: RS256 }))

  t.match(removed, INVALID_TOKEN)
  t.equal(issuer.jwksGets(), 4, 'key-1, key-2, the refresh of key-1, then key-1 as unknown')
})

t.test('refuses a header without a kid or an alg', async (t) => {
  const issuer = await buildIssuer(t)
  const keys = resolverFor(issuer)

  const noKid = await keys.getKey({ alg: RS256 }).catch((err) => err)
  const emptyKid = await keys.getKey({ kid: '', alg: RS256 }).catch((err) => err)
  const numericKid = await keys.getKey({ kid: 1, alg: RS256 }).catch((err) => err)
  const noAlg = await keys.getKey({ kid: 'key-1' }).catch((err) => err)

  for (const error of [noKid, emptyKid, numericKid, noAlg]) t.match(error, INVALID_TOKEN)
  t.equal(issuer.jwksGets(), 0)
})

t.test('refuses a key whose published alg differs from the token alg', async (t) => {
  const issuer = await buildIssuer(t)
  const keys = resolverFor(issuer)

  const error = await keys.getKey({ kid: 'key-1', alg: 'RS512' }).catch((err) => err)

  t.match(error, INVALID_TOKEN)
})

t.test('never uses an HMAC key published under the token kid', async (t) => {
  const issuer = await buildIssuer(t)
  const keys = resolverFor(issuer)
  issuer.serveKeySet({ keys: [{ kty: 'oct', kid: 'hmac', k: 'c2VjcmV0', alg: 'HS256' }, issuer.keys[0]?.publicJwk] })

  const genuine = await keys.getKey({ kid: 'key-1', alg: RS256 })
  const hmac = await keys.getKey({ kid: 'hmac', alg: 'HS256' }).catch((err) => err)

  t.match(hmac, INVALID_TOKEN)
  t.match(genuine, /^-----BEGIN PUBLIC KEY-----/)
})

t.test('probe reports whether the issuer answers and does not retry within the backoff', async (t) => {
  const issuer = await buildIssuer(t)
  const clock = manualClock()
  const keys = resolverFor(issuer, { now: clock.now })

  issuer.state = 'fail'
  const down = await keys.probe()
  const again = await keys.probe()
  issuer.state = 'healthy'
  clock.advance(1_000)
  const up = await keys.probe()

  t.equal(down, false)
  t.equal(again, false)
  t.equal(up, true)
  t.equal(issuer.jwksGets(), 2)
})

t.test('toPublicKey keeps only keys that can verify signatures', async (t) => {
  const signing = await createSigningKey('rsa-1')
  const unusable = [
    { kty: 'oct', kid: 'hmac', k: 'c2VjcmV0' },
    { ...signing.publicJwk, kid: 'enc-1', use: 'enc' },
    { kty: 'RSA', kid: 'broken', n: 'AQAB' },
    null,
    'junk'
  ]

  const key = toPublicKey(signing.publicJwk)

  t.match(key?.pem, /^-----BEGIN PUBLIC KEY-----/)
  t.equal(key?.alg, 'RS256')
  for (const jwk of unusable) t.equal(toPublicKey(jwk), undefined, JSON.stringify(jwk))
})

t.test('a key set without a keys array is unavailable, not a miss', async (t) => {
  const issuer = await buildIssuer(t)
  const keys = resolverFor(issuer)
  issuer.serveKeySet({ keys: 'nope' })

  const error = await keys.getKey({ kid: 'key-1', alg: RS256 }).catch((err) => err)

  t.match(error, UNAVAILABLE)
})

async function eventuallyRejected (attempt: () => Promise<unknown>): Promise<unknown> {
  for (let i = 0; i < 100; i++) {
    const error = await attempt().then(() => undefined, (err) => err)
    if (error) return error
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return undefined
}

async function waitForGets (issuer: TestIssuer, count: number): Promise<void> {
  for (let i = 0; i < 100 && issuer.jwksGets() < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
