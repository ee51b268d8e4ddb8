import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify'
import type { AppOptions } from '../src/app-options.js'
import { decideAccess, type AccessRule } from '../src/auth/guards.js'
import { RbacPermissionDeniedError, RbacStepUpRequiredError, withChallenge } from '../src/errors.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Permissions the route needs; the rbac plugin turns this into a guard. */
    access?: AccessRule
  }
}

export const DEFAULT_PRIVILEGED_ROLES = ['admin', 'manager']
export const MFA_ACR_VALUE = 'http://schemas.openid.net/pape/policies/2007/06/multi-factor'

/**
 * Routes declare `config.access`; this plugin adds the matching preHandler
 * and writes the same permissions into the route's OpenAPI security, so the
 * guard and the document cannot disagree.
 */
async function rbacPlugin (fastify: FastifyInstance, _opts: AppOptions): Promise<void> {
  const privilegedRoles = DEFAULT_PRIVILEGED_ROLES

  function guardFor (rule: AccessRule) {
    return async function guard (request: FastifyRequest): Promise<void> {
      const decision = decideAccess(request.auth, rule, privilegedRoles)
      if (decision.allowed) return

      request.log.debug({ sub: request.auth.sub, missing: decision.missing, stepUp: decision.stepUp }, 'access denied')
      if (decision.stepUp) {
        throw withChallenge(new RbacStepUpRequiredError(), {
          error: 'insufficient_user_authentication',
          description: 'multi-factor authentication is required',
          acrValues: MFA_ACR_VALUE
        })
      }
      const scope = decision.missing.join(' ')
      throw withChallenge(new RbacPermissionDeniedError(scope), { error: 'insufficient_scope', scope })
    }
  }

  fastify.addHook('onRoute', (route: RouteOptions) => {
    const rule = route.config?.access
    if (!rule) return

    const existing = route.preHandler ?? []
    route.preHandler = [guardFor(rule), ...(Array.isArray(existing) ? existing : [existing])]
  })
}

export default fp(rbacPlugin, { name: 'rbac' })
