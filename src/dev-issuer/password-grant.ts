import { DEFAULT_ROLE_MAP, PERMISSIONS } from '../auth/policy.js'
import type { DevTokenRequest } from './issuer.js'

// Swagger UI's Authorize dialog can only drive standard OAuth flows, which
// post a form and cannot carry roles, so the development issuer reads them
// from the user name: "admin" logs in as an admin, "admin+mfa" as an admin
// who passed MFA. The password is ignored.
export const DEV_USERNAME_PATTERN = '^[A-Za-z0-9._-]{1,64}(\\+mfa)?$'
const MFA_SUFFIX = '+mfa'
const API_PERMISSIONS = new Set<string>(Object.values(PERMISSIONS))
const BASE_SCOPE = 'openid profile email'

export interface PasswordGrantForm {
  grant_type: 'password'
  username: string
  password?: string
  scope?: string
}

/** Turns a password-grant form into the token the development issuer mints. */
export function buildPasswordGrantToken (form: PasswordGrantForm): DevTokenRequest {
  const mfa = form.username.endsWith(MFA_SUFFIX)
  const name = mfa ? form.username.slice(0, -MFA_SUFFIX.length) : form.username
  const permissions = (form.scope ?? '')
    .split(' ')
    .filter((scope) => API_PERMISSIONS.has(scope))

  return {
    sub: `auth0|dev-${name}`,
    name,
    email: `${name}@example.test`,
    roles: Object.hasOwn(DEFAULT_ROLE_MAP, name) ? [name] : undefined,
    permissions: permissions.length > 0 ? permissions : undefined,
    scope: [BASE_SCOPE, ...permissions].join(' '),
    mfa
  }
}
