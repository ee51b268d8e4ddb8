import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildIdentity, readRoles } from '../../../src/auth/identity.js'
import {
  buildDefaultPolicy,
  buildPolicy,
  buildRbacSettings,
  DEFAULT_ROLE_MAP,
  parseRoleMap
} from '../../../src/auth/policy.js'
import { buildSettings, ConfigError, loadEnv } from '../../../src/config.js'

const NS = 'https://api.example.test/'
const policy = buildDefaultPolicy(NS)
const base = { sub: 'auth0|alice', iss: 'https://tenant/', aud: 'api' }

function settingsFrom (env: Record<string, string>) {
  return buildSettings(loadEnv({
    NODE_ENV: 'test',
    SURREAL_URL: 'mem://',
    AUTH0_ISSUER: 'https://tenant.example.test/',
    AUTH0_AUDIENCE: 'https://api.example.test',
    ...env
  }))
}

t.test('roles come from the namespaced roles claim and app_metadata, never user_metadata', async (t) => {
  const claims = {
    [`${NS}roles`]: ['viewer'],
    [`${NS}app_metadata`]: { roles: ['manager'] },
    [`${NS}user_metadata`]: { roles: ['admin'] },
    user_metadata: { roles: ['admin'] },
    roles: ['admin']
  }

  t.same(readRoles(claims, NS), ['viewer', 'manager'])
})

t.test('a single string role is one role', async (t) => {
  t.same(readRoles({ [`${NS}roles`]: 'admin' }, NS), ['admin'])
  t.same(readRoles({ [`${NS}roles`]: [1, null, 'user', ''] }, NS), ['user'])
})

t.test('permissions are the union of the permissions claim, scope and the role map', async (t) => {
  const identity = buildIdentity({
    ...base,
    permissions: ['delete:documents'],
    scope: 'openid read:documents',
    [`${NS}roles`]: ['manager']
  }, policy)

  t.same(identity.permissions, [
    'delete:documents', 'manage:teams', 'openid', 'read:documents', 'write:documents'
  ])
  t.same(identity.scopes, ['openid', 'read:documents'])
  t.equal(identity.accessLevel, 'manager')
})

t.test('the default role applies only without roles and without a permissions claim', async (t) => {
  const bare = buildIdentity({ ...base, scope: 'openid' }, policy)
  const rbacEmpty = buildIdentity({ ...base, scope: 'openid', permissions: [] }, policy)
  const rbacNull = buildIdentity({ ...base, scope: 'openid', permissions: null }, policy)

  t.same(bare.roles, ['user'])
  t.ok(bare.permissions.includes('write:own_documents'))
  t.same(rbacEmpty.roles, [])
  t.same(rbacEmpty.permissions, ['openid'])
  t.same(rbacNull.permissions, ['openid'])
})

t.test('the access level is the highest role, for display', async (t) => {
  const identity = buildIdentity({ ...base, [`${NS}roles`]: ['viewer', 'admin', 'user'] }, policy)
  const unknown = buildIdentity({ ...base, [`${NS}roles`]: ['auditor'] }, policy)

  t.equal(identity.accessLevel, 'admin')
  t.equal(unknown.accessLevel, 'none')
})

t.test('MFA is read from amr, a namespaced amr claim or a configured acr', async (t) => {
  t.equal(buildIdentity({ ...base, amr: ['pwd', 'mfa'] }, policy).mfa, true)
  t.equal(buildIdentity({ ...base, amr: ['pwd'] }, policy).mfa, false)
  t.equal(buildIdentity({ ...base, [`${NS}amr`]: ['otp'] }, policy).mfa, true)
  t.equal(buildIdentity({ ...base, acr: 'http://schemas.openid.net/pape/policies/2007/06/multi-factor' }, policy).mfa, true)
  t.equal(buildIdentity({ ...base, acr: 'urn:weak' }, policy).mfa, false)
  t.equal(buildIdentity({ ...base, amr: 'mfa' }, policy).mfa, true)
})

t.test('the role map is validated', async (t) => {
  t.same(parseRoleMap({ editor: ['read:documents', 'write:documents'] }), { editor: ['read:documents', 'write:documents'] })
  t.throws(() => parseRoleMap([]), TypeError)
  t.throws(() => parseRoleMap({}), /no roles/)
  t.throws(() => parseRoleMap({ editor: 'read:documents' }), /array of permissions/)
  t.throws(() => parseRoleMap({ editor: ['read documents'] }), /invalid permission/)
  t.throws(() => parseRoleMap({ editor: ['read:"x"'] }), /invalid permission/)
  t.throws(() => parseRoleMap({ editor: [42] }), /invalid permission/)
})

t.test('the default role must exist in the role map, and an MFA acr value is required', async (t) => {
  const input = { defaultRole: 'user', privilegedRoles: ['admin'], mfaAcrValues: ['acr:mfa'] }

  t.equal(buildRbacSettings(input).defaultRole, 'user')
  t.equal(buildRbacSettings({ ...input, defaultRole: '' }).defaultRole, undefined)
  t.throws(() => buildRbacSettings({ ...input, defaultRole: 'guest' }), /not in the role map/)
  t.throws(() => buildRbacSettings({ ...input, mfaAcrValues: [] }), /acr value/)
})

t.test('permissions that only privileged roles get count as privileged', async (t) => {
  const rbac = buildRbacSettings({ defaultRole: 'user', privilegedRoles: ['admin', 'manager'], mfaAcrValues: ['x'] })

  t.same(rbac.privilegedPermissions, ['admin', 'delete:documents', 'manage:teams', 'write:documents'])
})

t.test('settings read the role map file, default role and MFA settings from the environment', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rbac-'))
  const file = join(dir, 'roles.json')
  writeFileSync(file, JSON.stringify({ editor: ['read:documents', 'write:documents'], reader: ['read:documents'] }))

  const settings = settingsFrom({
    RBAC_ROLE_MAP_FILE: file,
    RBAC_DEFAULT_ROLE: 'reader',
    RBAC_MFA_ROLES: 'editor',
    RBAC_MFA_ACR_VALUES: 'urn:acr:mfa, urn:acr:hwk'
  })
  const identity = buildIdentity({ ...base }, buildPolicy(NS, settings.rbac))

  t.same(settings.rbac.privilegedRoles, ['editor'])
  t.same(settings.rbac.mfaAcrValues, ['urn:acr:mfa', 'urn:acr:hwk'])
  t.same(identity.roles, ['reader'])
  t.same(identity.permissions, ['read:documents'])
})

t.test('the defaults are the built-in role map with user as default role', async (t) => {
  const { rbac } = settingsFrom({})

  t.same(rbac.roleMap, DEFAULT_ROLE_MAP)
  t.equal(rbac.defaultRole, 'user')
  t.same(rbac.privilegedRoles, ['admin', 'manager'])
})

t.test('a bad role map stops start-up with a clear configuration error', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rbac-'))
  const notJson = join(dir, 'bad.json')
  const wrongShape = join(dir, 'shape.json')
  writeFileSync(notJson, '{ admin: [')
  writeFileSync(wrongShape, JSON.stringify({ admin: 'everything' }))

  t.throws(() => settingsFrom({ RBAC_ROLE_MAP_FILE: join(dir, 'missing.json') }), ConfigError)
  t.throws(() => settingsFrom({ RBAC_ROLE_MAP_FILE: notJson }), /RBAC_ROLE_MAP_FILE: cannot read/)
  t.throws(() => settingsFrom({ RBAC_ROLE_MAP_FILE: wrongShape }), /RBAC: role "admin" must map to an array/)
  t.throws(() => settingsFrom({ RBAC_DEFAULT_ROLE: 'guest' }), /RBAC: the default role "guest"/)
  t.throws(() => settingsFrom({ RBAC_MFA_ACR_VALUES: ' , ' }), ConfigError)
})
