import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { AppOptions } from '../src/app-options.js'
import { createManagementApi, type ManagementApi } from '../src/auth0/management.js'
import { findManagementSettings, findUserinfoSettings, type ManagementSettings } from '../src/auth0/settings.js'
import { CredentialsRejectedError } from '../src/auth0/upstream.js'
import { createUserinfoEnricher } from '../src/auth0/userinfo.js'
import { MgmtNotConfiguredError } from '../src/errors.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The Auth0 Management API; throws MGMT_NOT_CONFIGURED (501) when not set up. */
    getManagementApi (): ManagementApi
  }
}

export class ManagementCredentialsError extends Error {
  override name = 'ManagementCredentialsError'
}

// Wrong credentials are a configuration mistake and stop start-up with a
// message saying which variables to fix. Auth0 being unreachable or slow is
// not: the API starts, and the management routes answer 502/504 until it
// recovers.
async function checkCredentials (
  fastify: FastifyInstance,
  api: ManagementApi,
  settings: ManagementSettings
): Promise<void> {
  try {
    await api.verifyCredentials()
    fastify.log.info({ baseUrl: settings.baseUrl }, 'auth0 management api credentials accepted')
  } catch (err) {
    if (err instanceof CredentialsRejectedError) {
      throw new ManagementCredentialsError(
        `Auth0 at ${settings.baseUrl} rejected AUTH0_MANAGEMENT_CLIENT_ID/AUTH0_MANAGEMENT_CLIENT_SECRET ` +
        `(${err.status} ${err.oauthError ?? 'no error code'}): check the machine-to-machine application's ` +
        'credentials and that it is authorised for the Management API'
      )
    }
    fastify.log.warn({ err: { message: (err as Error).message } }, 'auth0 management api not reachable at start-up')
  }
}

async function auth0ManagementPlugin (fastify: FastifyInstance, opts: AppOptions): Promise<void> {
  const { env } = opts.settings
  const settings = findManagementSettings(env)
  const api = settings === undefined ? undefined : createManagementApi(settings)

  if (api && settings) await checkCredentials(fastify, api, settings)
  fastify.decorate('getManagementApi', function getManagementApi (): ManagementApi {
    if (api === undefined) throw new MgmtNotConfiguredError()
    return api
  })

  const userinfo = findUserinfoSettings(env)
  if (userinfo === undefined) return

  const enrich = createUserinfoEnricher(userinfo)
  // Runs after authentication and before any handler provisions the user;
  // it costs a map lookup unless a token lacks email or name.
  fastify.addHook('preValidation', async (request: FastifyRequest) => {
    if (!request.auth) return
    await enrich(request.auth, request.bearerToken, request.log)
  })
}

export default fp(auth0ManagementPlugin, { name: 'auth0-management', dependencies: ['auth'] })
