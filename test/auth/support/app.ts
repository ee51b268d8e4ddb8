import { build, type BuildOptions, type Tap } from '../../helper.js'

/**
 * build() with the event-loop-delay guard off. Start-up on a busy machine
 * can leave the guard's first samples above its limit, and a request that
 * lands then gets 503 SERVER_OVERLOADED, which has nothing to do with
 * token verification.
 */
export async function buildApp (t: Tap, options: BuildOptions = {}) {
  return await build(t, { ...options, env: { MAX_EVENT_LOOP_DELAY_MS: '0', ...options.env } })
}
