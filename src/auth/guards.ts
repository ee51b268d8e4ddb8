import type { Identity } from './identity.js'
import { PERMISSIONS } from './policy.js'

/** What a route needs from its caller, declared once in the route options. */
export interface AccessRule {
  /** Permissions the caller must hold. */
  permissions: string[]
  /** 'all' (default): every listed permission; 'any': at least one. */
  mode?: 'all' | 'any'
  /**
   * Whether the action needs MFA from callers whose roles are privileged.
   * Defaults to true: a privileged role without MFA gets a step-up challenge.
   * Reads set it to false; writes and admin routes keep the default.
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

/** The slice of an identity the data rules look at. */
export interface Grants {
  sub: string
  permissions: string[]
}

// Matching is exact and case-sensitive: "read:documents:all" does not grant
// "read:documents", and neither does "READ:DOCUMENTS".
export function findMissingPermissions (identity: Identity, rule: AccessRule): string[] {
  const held = new Set(identity.permissions)
  const missing = rule.permissions.filter((permission) => !held.has(permission))

  if (rule.mode === 'any' && missing.length < rule.permissions.length) return []
  return missing
}

/** Who counts as privileged: by role, or by holding a permission only privileged roles get. */
export interface Privileged {
  roles: string[]
  permissions: string[]
}

export function isPrivileged (identity: Identity, privileged: Privileged): boolean {
  return identity.roles.some((role) => privileged.roles.includes(role)) ||
    identity.permissions.some((permission) => privileged.permissions.includes(permission))
}

export function needsStepUp (identity: Identity, rule: AccessRule, privileged: Privileged): boolean {
  if (rule.stepUpForPrivilegedRoles === false || identity.mfa) return false
  return isPrivileged(identity, privileged)
}

export function decideAccess (identity: Identity, rule: AccessRule, privileged: Privileged): GuardDecision {
  const missing = findMissingPermissions(identity, rule)
  if (missing.length > 0) return { allowed: false, missing, stepUp: false }

  const stepUp = needsStepUp(identity, rule, privileged)
  return { allowed: !stepUp, missing: [], stepUp }
}

export function isAdmin (grants: Grants): boolean {
  return grants.permissions.includes(PERMISSIONS.admin)
}

/**
 * write:documents changes any document the caller can see; write:own_documents
 * only the caller's own. The table PERMISSIONS in SurrealDB say the same.
 */
export function canWriteDocument (grants: Grants, ownerSub: string): boolean {
  if (grants.permissions.includes(PERMISSIONS.writeDocuments)) return true
  return ownerSub === grants.sub && grants.permissions.includes(PERMISSIONS.writeOwnDocuments)
}

/** Team members change only by that team's managers (with manage:teams) or admins. */
export function canManageTeam (grants: Grants, managerSubs: string[]): boolean {
  if (isAdmin(grants)) return true
  return grants.permissions.includes(PERMISSIONS.manageTeams) && managerSubs.includes(grants.sub)
}
