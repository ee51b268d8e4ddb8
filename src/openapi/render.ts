import type { FastifyInstance } from 'fastify'

// The committed document describes a production-like deployment with
// placeholder tenant values, so it is the same on every machine.
export const OPENAPI_ENV = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  SURREAL_URL: 'mem://',
  AUTH0_ISSUER: undefined,
  AUTH0_DOMAIN: 'your-tenant.eu.auth0.com',
  AUTH0_AUDIENCE: 'https://api.example.test',
  AUTH0_CLAIMS_NAMESPACE: 'https://api.example.test/',
  // Load shedding adds no response to the document; off, a busy machine
  // cannot turn the tests that read it into 503s.
  MAX_EVENT_LOOP_DELAY_MS: '0'
}

export const OPENAPI_JSON_FILE = 'openapi/openapi.json'
export const OPENAPI_YAML_FILE = 'openapi/openapi.yaml'

export interface RenderedDocument {
  json: string
  yaml: string
}

/** The app's OpenAPI document as the files under openapi/ hold it. */
export function renderOpenApi (app: FastifyInstance): RenderedDocument {
  return {
    json: `${JSON.stringify(app.swagger(), null, 2)}\n`,
    yaml: app.swagger({ yaml: true })
  }
}
