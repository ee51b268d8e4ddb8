import { envSchema } from 'env-schema'
import { Type, type Static } from 'typebox'
import { readFileSync } from 'node:fs'
import { buildRbacSettings, type RbacSettings } from './auth/policy.js'

export const EnvSchema = Type.Object({
  NODE_ENV: Type.Union([
    Type.Literal('development'),
    Type.Literal('production'),
    Type.Literal('test')
  ], {
    default: 'development',
    description: 'production turns off every development convenience'
  }),
  HOST: Type.String({
    default: '127.0.0.1',
    description: 'address to listen on; 0.0.0.0 in a container'
  }),
  PORT: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 3000,
    description: 'port to listen on'
  }),
  LOG_LEVEL: Type.Union([
    Type.Literal('fatal'),
    Type.Literal('error'),
    Type.Literal('warn'),
    Type.Literal('info'),
    Type.Literal('debug'),
    Type.Literal('trace'),
    Type.Literal('silent')
  ], { default: 'info', description: 'pino log level' }),
  AUTH0_DOMAIN: Type.Optional(Type.String({
    pattern: '^[A-Za-z0-9.-]+(:[0-9]+)?$',
    description: 'tenant domain such as my-tenant.eu.auth0.com (no scheme)'
  })),
  AUTH0_ISSUER: Type.Optional(Type.String({
    pattern: '^https?://',
    description: 'explicit issuer URL; overrides AUTH0_DOMAIN'
  })),
  AUTH0_JWKS_URI: Type.Optional(Type.String({
    pattern: '^https?://',
    description: 'explicit JWKS URL; default is the issuer + .well-known/jwks.json'
  })),
  AUTH0_AUDIENCE: Type.Optional(Type.String({
    minLength: 1,
    description: 'API identifier, or a comma-separated list of them'
  })),
  AUTH0_CLAIMS_NAMESPACE: Type.String({
    default: 'https://api.example.test/',
    description: 'prefix of the custom claims set by an Auth0 Action'
  }),
  AUTH0_ALGORITHMS: Type.String({
    default: 'RS256',
    description: 'comma-separated allow-list of signing algorithms'
  }),
  AUTH0_CLOCK_TOLERANCE: Type.Integer({
    minimum: 0,
    maximum: 60,
    default: 5,
    description: 'leeway in seconds for exp, nbf and iat'
  }),
  AUTH0_DOCS_CLIENT_ID: Type.Optional(Type.String({
    minLength: 1,
    description: 'client id of an Auth0 SPA application that Swagger UI at /docs logs in with (PKCE)'
  })),
  RBAC_ROLE_MAP_FILE: Type.Optional(Type.String({
    minLength: 1,
    description: 'JSON file {"role": ["permission", …]}; default: the built-in admin/manager/user/viewer map'
  })),
  RBAC_DEFAULT_ROLE: Type.String({
    default: 'user',
    description: 'role for tokens with neither roles nor a permissions claim; empty string for none'
  }),
  RBAC_MFA_ROLES: Type.String({
    default: 'admin,manager',
    description: 'comma-separated roles whose privileged actions need MFA (step-up)'
  }),
  RBAC_MFA_ACR_VALUES: Type.String({
    default: 'http://schemas.openid.net/pape/policies/2007/06/multi-factor',
    description: 'comma-separated acr values that count as MFA; named in step-up challenges'
  }),
  SURREAL_URL: Type.String({
    default: 'surrealkv://data/surreal',
    pattern: '^(mem://|surrealkv://|rocksdb://|wss?://|https?://)',
    description: 'mem://, surrealkv://path, rocksdb://path or ws(s):// for a SurrealDB server'
  }),
  SURREAL_NAMESPACE: Type.String({ default: 'app', minLength: 1, description: 'SurrealDB namespace the data lives in' }),
  SURREAL_DATABASE: Type.String({ default: 'main', minLength: 1, description: 'SurrealDB database the data lives in' }),
  SURREAL_USERNAME: Type.Optional(Type.String({
    minLength: 1,
    description: 'system user that applies migrations on a SurrealDB server'
  })),
  SURREAL_PASSWORD: Type.Optional(Type.String({ minLength: 1, description: 'password of SURREAL_USERNAME' })),
  SURREAL_ACCESS_KEY: Type.Optional(Type.String({
    minLength: 1,
    description: 'Ed25519 private key (PKCS#8 PEM) that signs per-user SurrealDB tokens; ' +
      'required with a SurrealDB server, generated under DATA_DIR otherwise'
  })),
  SURREAL_CONNECT_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 10_000,
    description: 'how long start-up waits for SurrealDB before giving up'
  }),
  DATA_DIR: Type.String({
    default: 'data',
    description: 'where development keys live (and the default surrealkv database)'
  }),
  RATE_LIMIT_MAX: Type.Integer({
    minimum: 1,
    default: 600,
    description: 'requests one user (token sub) may make per RATE_LIMIT_WINDOW, per instance'
  }),
  RATE_LIMIT_ANON_MAX: Type.Integer({
    minimum: 1,
    default: 120,
    description: 'requests without a valid token (missing or failed) one IP may make per window, per instance'
  }),
  RATE_LIMIT_WINDOW: Type.String({
    default: '1 minute',
    pattern: '^[0-9]+( ?(ms|s|m|h|second|seconds|minute|minutes|hour|hours))?$',
    description: 'rate-limit window, e.g. "1 minute", "30 s" or a number of ms'
  }),
  CORS_ORIGINS: Type.String({
    default: '',
    description: 'comma-separated SPA origins allowed by CORS (https://app.example.com); empty turns CORS off'
  }),
  TRUST_PROXY: Type.String({
    default: 'false',
    description: 'behind a load balancer: "true", a hop count, or comma-separated proxy IPs/CIDRs; ' +
      'decides which client IP rate limits and logs see'
  }),
  BODY_LIMIT_BYTES: Type.Integer({
    minimum: 1024,
    default: 1_048_576,
    description: 'largest request body accepted; larger ones get 413'
  }),
  SHUTDOWN_DRAIN_MS: Type.Integer({
    minimum: 0,
    maximum: 8000,
    default: 1000,
    description: 'after SIGTERM, how long to keep serving with Connection: close before closing the listener'
  }),
  MAX_EVENT_LOOP_DELAY_MS: Type.Integer({
    minimum: 0,
    default: 1000,
    description: 'event-loop delay above which requests get 503 with Retry-After; 0 turns the check off'
  }),
  AUTH0_MANAGEMENT_CLIENT_ID: Type.Optional(Type.String({
    minLength: 1,
    description: 'machine-to-machine application allowed to call the Management API; ' +
      'without it the role and profile routes answer 501'
  })),
  AUTH0_MANAGEMENT_CLIENT_SECRET: Type.Optional(Type.String({
    minLength: 1,
    description: 'client secret of that machine-to-machine application'
  })),
  AUTH0_MANAGEMENT_DOMAIN: Type.Optional(Type.String({
    pattern: '^[A-Za-z0-9.-]+(:[0-9]+)?$',
    description: 'tenant domain for the Management API and /userinfo; default AUTH0_DOMAIN'
  })),
  AUTH0_MANAGEMENT_BASE_URL: Type.Optional(Type.String({
    pattern: '^https?://',
    description: 'explicit Management API origin (http only on loopback, for a local stand-in); ' +
      'overrides AUTH0_MANAGEMENT_DOMAIN'
  })),
  AUTH0_MANAGEMENT_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 60_000,
    default: 5_000,
    description: 'deadline for one call to Auth0 (token, Management API, /userinfo)'
  }),
  AUTH0_USERINFO_INTERVAL_SEC: Type.Integer({
    minimum: 0,
    default: 3_600,
    description: 'when a token lacks email or name, /userinfo is asked at most this often ' +
      'per user; 0 turns it off'
  })
})

export type Env = Static<typeof EnvSchema>

export interface Settings {
  env: Env
  production: boolean
  issuer: string
  jwksUri: string
  audiences: string[]
  algorithms: string[]
  clockToleranceSec: number
  claimsNamespace: string
  devIssuer: boolean
  rbac: RbacSettings
}

const ALLOWED_ALGORITHMS = new Set([
  'RS256', 'RS384', 'RS512',
  'PS256', 'PS384', 'PS512',
  'ES256', 'ES384', 'ES512',
  'EdDSA'
])

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** Reads and validates the environment (and a .env file when present). */
export function loadEnv (env: Record<string, string | undefined>, dotenv = false): Env {
  try {
    return envSchema<Env>({
      schema: EnvSchema,
      data: env,
      env: false,
      dotenv
    })
  } catch (err) {
    throw new ConfigError(describeEnvError(err as Error))
  }
}

function describeEnvError (err: Error): string {
  // env-schema reports "env/PORT must be integer"; keep it to one line.
  return `invalid configuration: ${err.message.replace(/\n/g, '; ')}`
}

export function splitList (value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

/**
 * Turns the validated environment into the settings the app runs with.
 * `devIssuerUrl` is where the built-in development issuer will be served,
 * used only when no tenant is configured outside production.
 */
export function buildSettings (env: Env, devIssuerUrl?: string): Settings {
  const production = env.NODE_ENV === 'production'
  const configuredIssuer = findConfiguredIssuer(env)
  const devIssuer = configuredIssuer === undefined && !production

  if (configuredIssuer === undefined && production) {
    throw new ConfigError('AUTH0_DOMAIN or AUTH0_ISSUER is required when NODE_ENV=production')
  }
  if (devIssuer && devIssuerUrl === undefined) {
    throw new ConfigError('AUTH0_DOMAIN or AUTH0_ISSUER is required (no development issuer here)')
  }
  if (devIssuer && env.PORT === 0) {
    throw new ConfigError('PORT=0 cannot serve the development issuer, whose URL names the port; pick a port')
  }
  if (devIssuer && env.AUTH0_JWKS_URI !== undefined) {
    throw new ConfigError('AUTH0_JWKS_URI is set but AUTH0_DOMAIN or AUTH0_ISSUER is not; keys belong to an issuer')
  }

  const issuer = configuredIssuer ?? devIssuerUrl as string
  const audiences = resolveAudiences(env, production, devIssuer)
  assertDatabaseSettings(env, production)

  return {
    env,
    production,
    issuer,
    jwksUri: env.AUTH0_JWKS_URI ?? new URL('.well-known/jwks.json', issuer).href,
    audiences,
    algorithms: resolveAlgorithms(env.AUTH0_ALGORITHMS),
    clockToleranceSec: env.AUTH0_CLOCK_TOLERANCE,
    claimsNamespace: env.AUTH0_CLAIMS_NAMESPACE,
    devIssuer,
    rbac: loadRbacSettings(env)
  }
}

export const DEV_AUDIENCE = 'https://api.example.test'

// Auth0 issues `iss` as "https://DOMAIN/" with the trailing slash, and the
// comparison is exact, so the configured value is normalised to that form.
function findConfiguredIssuer (env: Env): string | undefined {
  if (env.AUTH0_ISSUER !== undefined) return withTrailingSlash(env.AUTH0_ISSUER)
  if (env.AUTH0_DOMAIN !== undefined) return `https://${env.AUTH0_DOMAIN}/`
  return undefined
}

function withTrailingSlash (url: string): string {
  return url.endsWith('/') ? url : `${url}/`
}

function resolveAudiences (env: Env, production: boolean, devIssuer: boolean): string[] {
  const audiences = splitList(env.AUTH0_AUDIENCE)

  if (audiences.length > 0) return audiences
  if (devIssuer) return [DEV_AUDIENCE]
  if (production) throw new ConfigError('AUTH0_AUDIENCE is required when NODE_ENV=production')
  throw new ConfigError('AUTH0_AUDIENCE is required when an Auth0 tenant is configured')
}

function assertDatabaseSettings (env: Env, production: boolean): void {
  const scheme = new URL(env.SURREAL_URL).protocol

  // Every request needs its own SurrealDB session, which only the embedded
  // engine and the WebSocket protocol provide.
  if (scheme === 'http:' || scheme === 'https:') {
    throw new ConfigError('SURREAL_URL: http(s):// has no sessions; use ws:// or wss:// for a SurrealDB server')
  }
  const remote = scheme === 'ws:' || scheme === 'wss:'

  if (production && !remote) {
    throw new ConfigError('SURREAL_URL must be a ws:// or wss:// SurrealDB server when NODE_ENV=production')
  }
  if (remote && (env.SURREAL_USERNAME === undefined || env.SURREAL_PASSWORD === undefined)) {
    throw new ConfigError('SURREAL_USERNAME and SURREAL_PASSWORD are required with a SurrealDB server')
  }
  if (remote && env.SURREAL_ACCESS_KEY === undefined) {
    throw new ConfigError('SURREAL_ACCESS_KEY is required with a SurrealDB server (all instances share it)')
  }
}

function readRoleMapFile (path: string | undefined): unknown {
  if (path === undefined) return undefined
  try {
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new ConfigError(`RBAC_ROLE_MAP_FILE: cannot read ${path} as JSON: ${(err as Error).message}`)
  }
}

function loadRbacSettings (env: Env): RbacSettings {
  const roleMap = readRoleMapFile(env.RBAC_ROLE_MAP_FILE)

  try {
    return buildRbacSettings({
      roleMap,
      defaultRole: env.RBAC_DEFAULT_ROLE.trim(),
      privilegedRoles: splitList(env.RBAC_MFA_ROLES),
      mfaAcrValues: splitList(env.RBAC_MFA_ACR_VALUES)
    })
  } catch (err) {
    throw new ConfigError(`RBAC: ${(err as Error).message}`)
  }
}

function resolveAlgorithms (value: string): string[] {
  const algorithms = splitList(value)

  if (algorithms.length === 0) throw new ConfigError('AUTH0_ALGORITHMS must name at least one algorithm')
  for (const algorithm of algorithms) {
    // HMAC and "none" would let anyone holding the public key mint tokens.
    if (!ALLOWED_ALGORITHMS.has(algorithm)) {
      throw new ConfigError(`AUTH0_ALGORITHMS: ${algorithm} is not an allowed asymmetric algorithm`)
    }
  }
  return algorithms
}
