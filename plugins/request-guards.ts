import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { AppOptions } from '../src/app-options.js'
import { AuthTokenInQueryError, RequestQueryUnexpectedError, withChallenge } from '../src/errors.js'

const API_PREFIX = '/v1'
// RFC 6750 §2.3 lets clients put the token in the query; URLs end up in
// proxy logs and browser history, so this API refuses it outright.
const QUERY_TOKEN_PARAMS = ['access_token', 'id_token']

function queryStringOf (request: FastifyRequest): string {
  const index = request.url.indexOf('?')
  return index === -1 ? '' : request.url.slice(index + 1)
}

function hasQueryToken (query: string): boolean {
  const params = new URLSearchParams(query)
  return QUERY_TOKEN_PARAMS.some((name) => params.has(name))
}

function takesNoQuery (request: FastifyRequest): boolean {
  const url = request.routeOptions.url
  return url !== undefined &&
    (url === API_PREFIX || url.startsWith(`${API_PREFIX}/`)) &&
    request.routeOptions.schema?.querystring === undefined
}

/**
 * Input rules that hold for every route. Routes with a query schema reject
 * unknown parameters through that schema (additionalProperties: false);
 * API routes with no query schema reject any query parameter, so an
 * unexpected parameter is refused the same way everywhere under /v1.
 */
async function requestGuardsPlugin (fastify: FastifyInstance, _opts: AppOptions): Promise<void> {
  fastify.addHook('onRequest', async (request) => {
    const query = queryStringOf(request)
    if (query === '') return

    if (hasQueryToken(query)) {
      throw withChallenge(new AuthTokenInQueryError(), {
        error: 'invalid_request',
        description: 'send the token in the Authorization header'
      })
    }
    if (takesNoQuery(request)) throw new RequestQueryUnexpectedError()
  })
}

export default fp(requestGuardsPlugin, { name: 'request-guards' })
