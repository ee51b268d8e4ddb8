import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Settings } from '../config.js'
import { PERMISSIONS } from '../auth/policy.js'
import { BEARER_SCHEME, OAUTH2_SCHEME } from './route-docs.js'

export const OPENAPI_VERSION = '3.1.0'
export const DOCS_PREFIX = '/docs'
export const DOCUMENT_JSON_PATH = '/openapi.json'
export const DOCUMENT_YAML_PATH = '/openapi.yaml'
export const DEV_OAUTH_TOKEN_PATH = 'oauth/token'

const PACKAGE_JSON = join(import.meta.dirname, '..', '..', 'package.json')

export const TAGS = [
  { name: 'health', description: 'Liveness and readiness probes; no token needed' },
  { name: 'me', description: 'The caller: their stored user record and what their token grants' },
  { name: 'documents', description: 'Documents the caller owns or that are shared with their teams' },
  { name: 'teams', description: 'Teams and their members; documents can be shared with a team' },
  { name: 'users', description: 'User administration: users, their roles in Auth0 and in their last token' },
  { name: 'audit', description: 'The append-only record of changes and denied writes' }
]

export const PERMISSION_DESCRIPTIONS: Record<string, string> = {
  [PERMISSIONS.readDocuments]: 'Read the documents the caller may see',
  [PERMISSIONS.writeDocuments]: 'Create and change any document',
  [PERMISSIONS.writeOwnDocuments]: 'Create documents and change the caller\'s own',
  [PERMISSIONS.deleteDocuments]: 'Delete documents',
  [PERMISSIONS.manageTeams]: 'Create teams and manage their members',
  [PERMISSIONS.admin]: 'Administer users and read the audit log'
}

function readPackageVersion (): string {
  return (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version
}

export function tokenUrlOf (settings: Settings): string {
  return settings.devIssuer
    ? new URL(DEV_OAUTH_TOKEN_PATH, settings.issuer).href
    : new URL('oauth/token', settings.issuer).href
}

// Auth0 returns an opaque token unless `audience` names the API, so the
// authorize request always carries it (Swagger UI adds it from initOAuth).
function buildOAuthScheme (settings: Settings) {
  const scopes = { ...PERMISSION_DESCRIPTIONS }

  if (settings.devIssuer) {
    return {
      type: 'oauth2',
      description: 'Development issuer: log in with any password; the user name picks the role ' +
        '(admin, manager, user, viewer, or anything else for the default role; add "+mfa" to ' +
        'count as a multi-factor login). Ticked scopes are granted as permissions.',
      flows: { password: { tokenUrl: tokenUrlOf(settings), scopes } }
    }
  }
  return {
    type: 'oauth2',
    description: 'Auth0 login (authorization code with PKCE). The `audience` parameter is sent ' +
      'so that Auth0 issues a JWT access token for this API.',
    flows: {
      authorizationCode: {
        authorizationUrl: new URL('authorize', settings.issuer).href,
        tokenUrl: tokenUrlOf(settings),
        scopes
      }
    }
  }
}

function describeApi (settings: Settings): string {
  const howToLogIn = settings.devIssuer
    ? 'No Auth0 tenant is configured, so a built-in development issuer signs tokens. In **Authorize**, ' +
      'use the `auth0` scheme with a user name such as `viewer` or `admin+mfa` (any password), or ' +
      'paste a token from `npm run token` into `bearerAuth`.'
    : 'Log in with **Authorize** (`auth0`, authorization code with PKCE), or paste an Auth0 access ' +
      'token for this API into `bearerAuth`.'

  return 'Resource server for Auth0 access tokens; each caller\'s data lives in SurrealDB under ' +
    `row-level permissions. Errors always have the shape of the Error schema.\n\n${howToLogIn}`
}

/** The @fastify/swagger `openapi` option: everything except the paths. */
export function buildOpenApiBase (settings: Settings) {
  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: 'Auth0 + SurrealDB resource server',
      version: readPackageVersion(),
      description: describeApi(settings)
    },
    tags: TAGS,
    components: {
      securitySchemes: {
        [BEARER_SCHEME]: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: `An access token issued by ${settings.issuer} for ${settings.audiences.join(', ')}`
        },
        [OAUTH2_SCHEME]: buildOAuthScheme(settings)
      }
    }
  }
}

/** Swagger UI's initOAuth: PKCE and the audience for Auth0, nothing for the dev issuer. */
export function buildInitOAuth (settings: Settings, clientId?: string) {
  // The development issuer ignores the client; Swagger UI wants one filled in.
  if (settings.devIssuer) return { clientId: 'swagger-ui', appName: 'API docs (development issuer)' }

  return {
    clientId,
    appName: 'API docs',
    scopes: 'openid profile email',
    usePkceWithAuthorizationCodeGrant: true,
    additionalQueryStringParams: { audience: settings.audiences[0] }
  }
}
