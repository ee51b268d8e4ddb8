import type { IdentityPolicy, RoleMap } from './identity.js'

export const PERMISSIONS = {
  readDocuments: 'read:documents',
  writeDocuments: 'write:documents',
  writeOwnDocuments: 'write:own_documents',
  deleteDocuments: 'delete:documents',
  manageTeams: 'manage:teams',
  admin: 'admin'
} as const

export const DEFAULT_ROLE_MAP: RoleMap = {
  admin: [
    PERMISSIONS.readDocuments,
    PERMISSIONS.writeDocuments,
    PERMISSIONS.deleteDocuments,
    PERMISSIONS.admin
  ],
  manager: [
    PERMISSIONS.readDocuments,
    PERMISSIONS.writeDocuments,
    PERMISSIONS.manageTeams
  ],
  user: [PERMISSIONS.readDocuments, PERMISSIONS.writeOwnDocuments],
  viewer: [PERMISSIONS.readDocuments]
}

export const DEFAULT_ROLE = 'user'
export const DEFAULT_PRIVILEGED_ROLES = ['admin', 'manager']
export const DEFAULT_MFA_AMR_VALUES = ['mfa', 'otp', 'hwk', 'swk', 'sms', 'fpt', 'face']
export const DEFAULT_MFA_ACR_VALUES = [
  'http://schemas.openid.net/pape/policies/2007/06/multi-factor'
]

/** Role and MFA rules as configured; validated once at start-up. */
export interface RbacSettings {
  roleMap: RoleMap
  /** Role for tokens with neither roles nor a permissions claim; none when undefined. */
  defaultRole?: string
  /** Roles whose privileged actions need MFA (step-up, RFC 9470). */
  privilegedRoles: string[]
  /**
   * Permissions the role map grants only to privileged roles. A token holding
   * one (from the permissions claim or scope, without a roles claim) steps up
   * too, so leaving the roles claim out of a token never skips MFA.
   */
  privilegedPermissions: string[]
  /** acr values that count as MFA; the first ones are named in acr_values challenges. */
  mfaAcrValues: string[]
}

export interface RbacInput {
  /** The parsed JSON of the role-map file, when one is configured. */
  roleMap?: unknown
  defaultRole: string
  privilegedRoles: string[]
  mfaAcrValues: string[]
}

// A permission is one token of the scope grammar (RFC 6749 §3.3): no spaces,
// quotes or backslashes, so it can be named in a WWW-Authenticate challenge.
const PERMISSION_PATTERN = /^[\x21\x23-\x5B\x5D-\x7E]+$/

/** Checks the shape {role: [permission, …]}; throws a TypeError naming the fault. */
export function parseRoleMap (value: unknown): RoleMap {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('the role map must be a JSON object of role → [permissions]')
  }

  const roleMap: RoleMap = {}
  for (const [role, permissions] of Object.entries(value)) {
    roleMap[role] = parseRolePermissions(role, permissions)
  }

  if (Object.keys(roleMap).length === 0) throw new TypeError('the role map names no roles')
  return roleMap
}

function parseRolePermissions (role: string, permissions: unknown): string[] {
  if (role === '') throw new TypeError('the role map has an empty role name')
  if (!Array.isArray(permissions)) {
    throw new TypeError(`role "${role}" must map to an array of permissions`)
  }
  for (const permission of permissions) {
    if (typeof permission !== 'string' || !PERMISSION_PATTERN.test(permission)) {
      throw new TypeError(`role "${role}" has an invalid permission ${JSON.stringify(permission)}`)
    }
  }
  return [...new Set(permissions as string[])]
}

export function buildRbacSettings (input: RbacInput): RbacSettings {
  const roleMap = input.roleMap === undefined ? DEFAULT_ROLE_MAP : parseRoleMap(input.roleMap)
  const defaultRole = input.defaultRole === '' ? undefined : input.defaultRole

  if (defaultRole !== undefined && !(defaultRole in roleMap)) {
    throw new TypeError(`the default role "${defaultRole}" is not in the role map`)
  }
  if (input.mfaAcrValues.length === 0) {
    throw new TypeError('at least one acr value must count as MFA (it is named in step-up challenges)')
  }

  return {
    roleMap,
    defaultRole,
    privilegedRoles: input.privilegedRoles,
    privilegedPermissions: findPrivilegedPermissions(roleMap, input.privilegedRoles),
    mfaAcrValues: input.mfaAcrValues
  }
}

export function findPrivilegedPermissions (roleMap: RoleMap, privilegedRoles: string[]): string[] {
  const ordinary = new Set<string>()
  const privileged = new Set<string>()

  for (const [role, permissions] of Object.entries(roleMap)) {
    const target = privilegedRoles.includes(role) ? privileged : ordinary
    for (const permission of permissions) target.add(permission)
  }

  return [...privileged].filter((permission) => !ordinary.has(permission)).sort()
}

export const DEFAULT_RBAC_SETTINGS: RbacSettings = {
  roleMap: DEFAULT_ROLE_MAP,
  defaultRole: DEFAULT_ROLE,
  privilegedRoles: DEFAULT_PRIVILEGED_ROLES,
  privilegedPermissions: findPrivilegedPermissions(DEFAULT_ROLE_MAP, DEFAULT_PRIVILEGED_ROLES),
  mfaAcrValues: DEFAULT_MFA_ACR_VALUES
}

export function buildPolicy (claimsNamespace: string, rbac: RbacSettings): IdentityPolicy {
  return {
    claimsNamespace,
    roleMap: rbac.roleMap,
    defaultRole: rbac.defaultRole,
    mfaAmrValues: DEFAULT_MFA_AMR_VALUES,
    mfaAcrValues: rbac.mfaAcrValues
  }
}

export function buildDefaultPolicy (claimsNamespace: string): IdentityPolicy {
  return buildPolicy(claimsNamespace, DEFAULT_RBAC_SETTINGS)
}
