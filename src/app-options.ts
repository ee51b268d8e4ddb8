import type { Surreal } from 'surrealdb'
import type { Settings } from './config.js'
import type { IdentityPolicy } from './auth/identity.js'

export interface AppOptions {
  settings: Settings
  /** Roles, permissions and MFA rules; defaults to buildDefaultPolicy(). */
  policy?: IdentityPolicy
  /**
   * The time tokens are verified at, in milliseconds. Only tests set it, to
   * check long-expired real tokens at the moment they were issued.
   */
  clock?: () => number
  /**
   * An open SurrealDB connection to use instead of opening SURREAL_URL. Only
   * tests set it, to reach the system session; the app still migrates it.
   */
  database?: Surreal
}
