import { MgmtUnknownRoleError } from '../errors.js'

export interface Auth0Role {
  id: string
  name: string
  description?: string
}

export interface RoleChange {
  /** Every role the user will hold, in the order asked for. */
  target: Auth0Role[]
  assign: string[]
  remove: string[]
}

/** Resolves role names to Auth0 roles; an unknown name is a 400 naming it. */
export function resolveRoleNames (names: string[], catalogue: Auth0Role[]): Auth0Role[] {
  const byName = new Map(catalogue.map((role) => [role.name, role]))

  return [...new Set(names)].map((name) => {
    const role = byName.get(name)
    if (role === undefined) throw new MgmtUnknownRoleError(JSON.stringify(name))
    return role
  })
}

export function findUnknownRoleNames (names: string[], catalogue: Auth0Role[]): string[] {
  const known = new Set(catalogue.map((role) => role.name))
  return names.filter((name) => !known.has(name))
}

/** What to assign and remove so that the user holds exactly `target`. */
export function planRoleChange (current: Auth0Role[], target: Auth0Role[]): RoleChange {
  const currentIds = new Set(current.map((role) => role.id))
  const targetIds = new Set(target.map((role) => role.id))

  return {
    target,
    assign: target.filter((role) => !currentIds.has(role.id)).map((role) => role.id),
    remove: current.filter((role) => !targetIds.has(role.id)).map((role) => role.id)
  }
}
