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

export const DEFAULT_MFA_AMR_VALUES = ['mfa', 'otp', 'hwk', 'swk', 'sms', 'fpt', 'face']
export const DEFAULT_MFA_ACR_VALUES = [
  'http://schemas.openid.net/pape/policies/2007/06/multi-factor'
]

export function buildDefaultPolicy (claimsNamespace: string): IdentityPolicy {
  return {
    claimsNamespace,
    roleMap: DEFAULT_ROLE_MAP,
    defaultRole: 'user',
    mfaAmrValues: DEFAULT_MFA_AMR_VALUES,
    mfaAcrValues: DEFAULT_MFA_ACR_VALUES
  }
}
