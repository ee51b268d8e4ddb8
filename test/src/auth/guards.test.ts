import t from 'tap'
import {
  canManageTeam,
  canWriteDocument,
  decideAccess,
  findMissingPermissions,
  type Privileged
} from '../../../src/auth/guards.js'
import type { Identity } from '../../../src/auth/identity.js'

const privileged: Privileged = { roles: ['admin', 'manager'], permissions: ['admin', 'write:documents'] }

function identity (overrides: Partial<Identity>): Identity {
  return {
    sub: 'auth0|alice',
    roles: [],
    permissions: [],
    scopes: [],
    accessLevel: 'none',
    mfa: false,
    claims: {},
    ...overrides
  }
}

t.test('all mode names every missing permission; any mode passes with one', async (t) => {
  const caller = identity({ permissions: ['write:own_documents'] })
  const rule = { permissions: ['write:documents', 'write:own_documents'] }

  t.same(findMissingPermissions(caller, rule), ['write:documents'])
  t.same(findMissingPermissions(caller, { ...rule, mode: 'any' }), [])
  t.same(findMissingPermissions(identity({}), { ...rule, mode: 'any' }), ['write:documents', 'write:own_documents'])
})

t.test('matching is exact and case-sensitive', async (t) => {
  const rule = { permissions: ['read:documents'] }

  t.same(findMissingPermissions(identity({ permissions: ['read:documents:all'] }), rule), ['read:documents'])
  t.same(findMissingPermissions(identity({ permissions: ['READ:DOCUMENTS'] }), rule), ['read:documents'])
  t.same(findMissingPermissions(identity({ permissions: ['read'] }), rule), ['read:documents'])
})

t.test('a missing permission is decided before step-up', async (t) => {
  const decision = decideAccess(identity({ roles: ['manager'], permissions: ['read:documents'] }), {
    permissions: ['admin']
  }, privileged)

  t.same(decision, { allowed: false, missing: ['admin'], stepUp: false })
})

t.test('privileged roles without MFA step up on privileged actions only', async (t) => {
  const admin = identity({ roles: ['admin'], permissions: ['admin', 'read:documents'] })
  const write = { permissions: ['admin'] }
  const read = { permissions: ['read:documents'], stepUpForPrivilegedRoles: false }

  t.same(decideAccess(admin, write, privileged), { allowed: false, missing: [], stepUp: true })
  t.same(decideAccess({ ...admin, mfa: true }, write, privileged), { allowed: true, missing: [], stepUp: false })
  t.same(decideAccess(admin, read, privileged), { allowed: true, missing: [], stepUp: false })
})

t.test('a privileged permission without a roles claim steps up too', async (t) => {
  const caller = identity({ permissions: ['write:documents'] })

  t.equal(decideAccess(caller, { permissions: ['write:documents'] }, privileged).stepUp, true)
  t.equal(decideAccess(identity({ permissions: ['write:own_documents'] }), {
    permissions: ['write:own_documents']
  }, privileged).stepUp, false)
})

t.test('write:documents writes any visible document; write:own_documents only the caller\'s', async (t) => {
  const own = { sub: 'auth0|alice', permissions: ['write:own_documents'] }
  const any = { sub: 'auth0|max', permissions: ['write:documents'] }

  t.equal(canWriteDocument(own, 'auth0|alice'), true)
  t.equal(canWriteDocument(own, 'auth0|bob'), false)
  t.equal(canWriteDocument(any, 'auth0|bob'), true)
  t.equal(canWriteDocument({ sub: 'auth0|alice', permissions: ['read:documents'] }, 'auth0|alice'), false)
})

t.test('team members change only by the team\'s managers with manage:teams, or admins', async (t) => {
  t.equal(canManageTeam({ sub: 'auth0|max', permissions: ['manage:teams'] }, ['auth0|max']), true)
  t.equal(canManageTeam({ sub: 'auth0|mia', permissions: ['manage:teams'] }, ['auth0|max']), false)
  t.equal(canManageTeam({ sub: 'auth0|max', permissions: ['read:documents'] }, ['auth0|max']), false)
  t.equal(canManageTeam({ sub: 'auth0|ada', permissions: ['admin'] }, []), true)
})
