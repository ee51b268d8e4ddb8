import type { Identity } from './identity.js'

/** What a route needs from its caller, declared once in the route options. */
export interface AccessRule {
  /** Permissions the caller must hold. */
  permissions: string[]
  /** 'all' (default): every listed permission; 'any': at least one. */
  mode?: 'all' | 'any'
  /**
   * Whether the action needs MFA from callers whose roles are privileged.
   * Defaults to true: a privileged role without MFA gets a step-up challenge.
   */
  stepUpForPrivilegedRoles?: boolean
}

export interface GuardDecision {
  allowed: boolean
  /** Permissions to name in the insufficient_scope challenge. */
  missing: string[]
  /** True when the caller must log in again with MFA (RFC 9470). */
  stepUp: boolean
}

// Matching is exact and case-sensitive: "read:documents:all" does not grant
// "read:documents", and neither does "READ:DOCUMENTS".
export function findMissingPermissions (identity: Identity, rule: AccessRule): string[] {
  const held = new Set(identity.permissions)
  const missing = rule.permissions.filter((permission) => !held.has(permission))

  if (rule.mode === 'any' && missing.length < rule.permissions.length) return []
  return missing
}

export function needsStepUp (identity: Identity, rule: AccessRule, privilegedRoles: string[]): boolean {
  if (rule.stepUpForPrivilegedRoles === false || identity.mfa) return false
  return identity.roles.some((role) => privilegedRoles.includes(role))
}

export function decideAccess (identity: Identity, rule: AccessRule, privilegedRoles: string[]): GuardDecision {
  const missing = findMissingPermissions(identity, rule)
  if (missing.length > 0) return { allowed: false, missing, stepUp: false }

  const stepUp = needsStepUp(identity, rule, privilegedRoles)
  return { allowed: !stepUp, missing: [], stepUp }
}
