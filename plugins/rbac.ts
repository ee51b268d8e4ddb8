import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify'
import type { AppOptions } from '../src/app-options.js'
import { decideAccess, type AccessRule, type GuardDecision } from '../src/auth/guards.js'
import { appendDenied } from '../src/db/audit.js'
import { permissionDenied, RbacStepUpRequiredError, withChallenge } from '../src/errors.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Permissions the route needs; the rbac plugin turns this into a guard. */
    access?: AccessRule
  }
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Routes declare `config.access`; this plugin adds the matching preHandler.
 * Roles that need MFA and the acr values named in step-up challenges come
 * from the settings (RBAC_MFA_ROLES, RBAC_MFA_ACR_VALUES).
 */
async function rbacPlugin (fastify: FastifyInstance, opts: AppOptions): Promise<void> {
  const { privilegedRoles, privilegedPermissions, mfaAcrValues } = opts.settings.rbac
  const privileged = { roles: privilegedRoles, permissions: privilegedPermissions }
  const acrValues = mfaAcrValues.join(' ')

  // A denied write is audited in the caller's name; a failure to audit is
  // logged but never turns the 401/403 into something else.
  async function auditDenied (request: FastifyRequest, decision: GuardDecision): Promise<void> {
    if (READ_METHODS.has(request.method)) return

    await request.withUserDb((queries) => appendDenied(queries, {
      action: `${request.method} ${request.routeOptions.url}`,
      target: request.url.split('?')[0] as string,
      reason: decision.stepUp ? 'multi-factor authentication required' : `missing ${decision.missing.join(' ')}`
    })).catch((err: unknown) => request.log.error({ err }, 'audit of a denied write failed'))
  }

  function guardFor (rule: AccessRule) {
    return async function guard (request: FastifyRequest): Promise<void> {
      const decision = decideAccess(request.auth, rule, privileged)
      if (decision.allowed) return

      request.log.debug({ sub: request.auth.sub, missing: decision.missing, stepUp: decision.stepUp }, 'access denied')
      await auditDenied(request, decision)
      if (decision.stepUp) {
        throw withChallenge(new RbacStepUpRequiredError(), {
          error: 'insufficient_user_authentication',
          description: 'multi-factor authentication is required',
          acrValues
        })
      }
      throw permissionDenied(decision.missing, rule.mode === 'any')
    }
  }

  fastify.addHook('onRoute', (route: RouteOptions) => {
    const rule = route.config?.access
    if (!rule) return

    const existing = route.preHandler ?? []
    route.preHandler = [guardFor(rule), ...(Array.isArray(existing) ? existing : [existing])]
  })
}

export default fp(rbacPlugin, { name: 'rbac', dependencies: ['auth', 'surrealdb'] })
