import { MgmtRateLimitedError } from '../errors.js'
import { withRetryAfter } from './errors.js'
import { UpstreamRateLimitedError } from './upstream.js'

// Auth0 sends x-ratelimit-limit, -remaining and -reset (Unix seconds) on
// Management and Authentication API responses, including 429s.
export interface RateLimitSnapshot {
  limit?: number
  remaining?: number
  resetAtMs?: number
}

export interface RetryPolicy {
  /** Retries after a 429; the first attempt is not counted. */
  maxRetries: number
  /** A wait longer than this is not waited for: the caller gets 503 at once. */
  maxWaitMs: number
  /** Up to this much is added to every wait, so callers do not retry in step. */
  jitterMs: number
  /** Wait after a 429 that names no reset time, doubled on each retry. */
  fallbackWaitMs: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 2,
  maxWaitMs: 5_000,
  jitterMs: 250,
  fallbackWaitMs: 500
}

export interface Clock {
  now (): number
  sleep (ms: number): Promise<void>
  random (): number
}

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random()
}

function readInteger (headers: Headers, name: string): number | undefined {
  const value = headers.get(name)
  if (value === null || !/^\d+$/.test(value.trim())) return undefined
  return Number(value)
}

export function readRateLimit (headers: Headers): RateLimitSnapshot {
  const resetSec = readInteger(headers, 'x-ratelimit-reset')

  return {
    limit: readInteger(headers, 'x-ratelimit-limit'),
    remaining: readInteger(headers, 'x-ratelimit-remaining'),
    resetAtMs: resetSec === undefined ? undefined : resetSec * 1000
  }
}

export interface RateLimiter {
  /** Remembers the budget Auth0 reported on its latest response. */
  record (snapshot: RateLimitSnapshot): void
  /** Runs an Auth0 call within the budget, retrying 429s a bounded number of times. */
  run<T> (call: () => Promise<T>): Promise<T>
  latest (): RateLimitSnapshot
}

export function createRateLimiter (
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  clock: Clock = SYSTEM_CLOCK
): RateLimiter {
  let latest: RateLimitSnapshot = {}

  function record (snapshot: RateLimitSnapshot): void {
    if (snapshot.remaining !== undefined || snapshot.resetAtMs !== undefined) latest = snapshot
  }

  function jitter (): number {
    return Math.floor(clock.random() * policy.jitterMs)
  }

  function rateLimited (resetAtMs: number | undefined): never {
    const waitMs = resetAtMs === undefined ? 0 : resetAtMs - clock.now()
    throw withRetryAfter(new MgmtRateLimitedError(), Math.max(1, Math.ceil(waitMs / 1000)))
  }

  // The budget is spent until the reset: wait for it if that is short,
  // otherwise answer 503 without spending another call on a certain 429.
  async function waitForBudget (): Promise<void> {
    const { remaining, resetAtMs } = latest
    if (remaining !== 0 || resetAtMs === undefined) return

    const waitMs = resetAtMs - clock.now()
    if (waitMs <= 0) return
    if (waitMs > policy.maxWaitMs) rateLimited(resetAtMs)
    await clock.sleep(waitMs + jitter())
  }

  function delayAfter429 (err: UpstreamRateLimitedError, retry: number): number {
    if (err.resetAtMs === undefined) return policy.fallbackWaitMs * 2 ** retry + jitter()
    return Math.max(0, err.resetAtMs - clock.now()) + jitter()
  }

  async function run<T> (call: () => Promise<T>): Promise<T> {
    for (let retry = 0; ; retry++) {
      await waitForBudget()
      try {
        return await call()
      } catch (err) {
        if (!(err instanceof UpstreamRateLimitedError)) throw err
        const delayMs = delayAfter429(err, retry)
        if (retry >= policy.maxRetries || delayMs > policy.maxWaitMs) rateLimited(err.resetAtMs)
        await clock.sleep(delayMs)
      }
    }
  }

  return { record, run, latest: () => latest }
}
