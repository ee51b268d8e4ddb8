export type Claims = Record<string, unknown>

export type RoleMap = Record<string, string[]>

export const ACCESS_LEVELS = ['viewer', 'user', 'manager', 'admin'] as const
export type AccessLevel = typeof ACCESS_LEVELS[number] | 'none'

export interface IdentityPolicy {
  /** Prefix of the custom claims an Auth0 Action adds, e.g. https://myapp.example/ */
  claimsNamespace: string
  roleMap: RoleMap
  /** Role given to a token that carries no roles and no RBAC permissions claim. */
  defaultRole?: string
  /** RFC 8176 `amr` values that count as multi-factor authentication. */
  mfaAmrValues: string[]
  /** `acr` values that count as multi-factor authentication. */
  mfaAcrValues: string[]
}

export interface Identity {
  sub: string
  roles: string[]
  /** Sorted union of the permissions claim, scope and what the roles grant. */
  permissions: string[]
  scopes: string[]
  accessLevel: AccessLevel
  mfa: boolean
  email?: string
  name?: string
  claims: Claims
}

function toStringList (value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value]
  if (!Array.isArray(value)) return []
  return value.filter((item): item is string => typeof item === 'string' && item !== '')
}

// RFC 8693 §4.2 defines scope as one space-separated string; some issuers
// send an array, which is accepted rather than turned into a 500.
export function parseScope (value: unknown): string[] {
  if (typeof value === 'string') return value.split(' ').filter((item) => item !== '')
  return toStringList(value)
}

/**
 * Roles come from the namespaced roles claim and from app_metadata.roles
 * when an Action copies app_metadata into the token. user_metadata is never
 * read: users can edit it themselves. A single string is taken as one role.
 */
export function readRoles (claims: Claims, namespace: string): string[] {
  const appMetadata = claims[`${namespace}app_metadata`]
  const fromAppMetadata = typeof appMetadata === 'object' && appMetadata !== null
    ? toStringList((appMetadata as Claims).roles)
    : []

  return [...new Set([...toStringList(claims[`${namespace}roles`]), ...fromAppMetadata])]
}

export function grantedPermissions (
  roles: string[],
  roleMap: RoleMap,
  explicit: string[]
): Set<string> {
  const granted = new Set(explicit)

  for (const role of roles) {
    for (const permission of roleMap[role] ?? []) granted.add(permission)
  }

  return granted
}

export function highestAccessLevel (roles: string[]): AccessLevel {
  let level: AccessLevel = 'none'

  for (const candidate of ACCESS_LEVELS) {
    if (roles.includes(candidate)) level = candidate
  }

  return level
}

export function hasMfa (claims: Claims, policy: IdentityPolicy): boolean {
  const amr = [
    ...toStringList(claims.amr),
    ...toStringList(claims[`${policy.claimsNamespace}amr`])
  ]
  const acr = typeof claims.acr === 'string' ? claims.acr : undefined

  return amr.some((value) => policy.mfaAmrValues.includes(value)) ||
    (acr !== undefined && policy.mfaAcrValues.includes(acr))
}

/**
 * Builds the caller's identity from verified access-token claims. When Auth0
 * RBAC is on, the `permissions` claim is always present (possibly empty) and
 * Auth0 is the source of truth, so the default role applies only to tokens
 * that carry neither roles nor a permissions claim.
 */
export function buildIdentity (claims: Claims, policy: IdentityPolicy): Identity {
  const tokenRoles = readRoles(claims, policy.claimsNamespace)
  const usesRbac = 'permissions' in claims
  const roles = tokenRoles.length === 0 && !usesRbac && policy.defaultRole
    ? [policy.defaultRole]
    : tokenRoles
  const scopes = parseScope(claims.scope)
  const explicit = [...toStringList(claims.permissions), ...scopes]

  return {
    sub: claims.sub as string,
    roles,
    permissions: [...grantedPermissions(roles, policy.roleMap, explicit)].sort(),
    scopes,
    accessLevel: highestAccessLevel(roles),
    mfa: hasMfa(claims, policy),
    email: findString(claims, 'email', policy.claimsNamespace),
    name: findString(claims, 'name', policy.claimsNamespace),
    claims
  }
}

function findString (claims: Claims, name: string, namespace: string): string | undefined {
  const value = claims[`${namespace}${name}`] ?? claims[name]
  return typeof value === 'string' ? value : undefined
}
