import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type CryptoKey } from 'jose'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

// The development issuer stands in for an Auth0 tenant when none is
// configured: same algorithm, same claim shapes, keys served as a JWKS.
export const DEV_ISSUER_PATH = '/dev/'
export const DEV_TOKEN_TTL_SEC = 3600
const KEY_FILE = 'dev-issuer-key.json'
const ALGORITHM = 'RS256'

export interface DevIssuerKey {
  kid: string
  privateKey: CryptoKey
  publicJwk: JWK
}

export interface DevTokenRequest {
  sub: string
  email?: string
  name?: string
  roles?: string[]
  permissions?: string[]
  scope?: string
  mfa?: boolean
  expiresInSec?: number
}

export interface DevTokenContext {
  key: DevIssuerKey
  issuer: string
  audience: string
  claimsNamespace: string
}

async function fromPrivateJwk (privateJwk: JWK): Promise<DevIssuerKey> {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = privateJwk

  return {
    kid: privateJwk.kid as string,
    privateKey: await importJWK(privateJwk, ALGORITHM) as CryptoKey,
    publicJwk: { ...publicJwk, alg: ALGORITHM, use: 'sig' }
  }
}

async function createKey (): Promise<JWK> {
  const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true })
  const jwk = await exportJWK(privateKey)
  return { ...jwk, kid: `dev-${Date.now().toString(36)}`, alg: ALGORITHM }
}

/** Loads the development signing key, creating it on first use so tokens survive restarts. */
export async function loadDevIssuerKey (dataDir: string): Promise<DevIssuerKey> {
  const path = join(dataDir, KEY_FILE)

  try {
    return await fromPrivateJwk(JSON.parse(await readFile(path, 'utf8')))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }

  const jwk = await createKey()
  await mkdir(dataDir, { recursive: true })
  await writeFile(path, JSON.stringify(jwk), { mode: 0o600 })
  return await fromPrivateJwk(jwk)
}

export function devIssuerUrl (host: string, port: number): string {
  // A wildcard listen address is reachable on loopback, which is also where
  // the API fetches its own JWKS from.
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
  const literal = reachable.includes(':') ? `[${reachable}]` : reachable
  return `http://${literal}:${port}${DEV_ISSUER_PATH}`
}

/** Mints an access token shaped like Auth0's: RBAC permissions, namespaced roles, scope. */
export async function mintDevToken (context: DevTokenContext, request: DevTokenRequest): Promise<string> {
  const { key, issuer, audience, claimsNamespace } = context
  const claims: Record<string, unknown> = {
    scope: request.scope ?? 'openid profile email',
    azp: 'dev-issuer-client'
  }

  // Like a tenant with RBAC on, a token carries permissions only when asked
  // for; without them and without roles the API's default role applies.
  if (request.permissions !== undefined) claims.permissions = request.permissions
  if (request.roles !== undefined) claims[`${claimsNamespace}roles`] = request.roles

  if (request.email !== undefined) claims[`${claimsNamespace}email`] = request.email
  if (request.name !== undefined) claims[`${claimsNamespace}name`] = request.name
  if (request.mfa) claims.amr = ['pwd', 'mfa']

  return await new SignJWT(claims)
    .setProtectedHeader({ alg: ALGORITHM, typ: 'at+jwt', kid: key.kid })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject(request.sub)
    .setIssuedAt()
    .setExpirationTime(`${request.expiresInSec ?? DEV_TOKEN_TTL_SEC}s`)
    .sign(key.privateKey)
}

// What `npm run token` must agree on with the server: the issuer URL (host,
// port), the key file, the audience and the claims namespace.
const TOKEN_SCRIPT_ENV = ['HOST', 'PORT', 'DATA_DIR', 'AUTH0_AUDIENCE', 'AUTH0_CLAIMS_NAMESPACE'] as const
type TokenScriptEnv = Partial<Record<typeof TOKEN_SCRIPT_ENV[number], string | number>>

function quoteForShell (value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`
}

/**
 * The `npm run token` command for this server. Settings that differ from
 * their defaults came from the server's own environment, which a second
 * terminal does not share, so they are written out in front of it.
 */
export function buildTokenCommand (env: TokenScriptEnv, defaults: TokenScriptEnv, args: string): string {
  const assignments = TOKEN_SCRIPT_ENV
    .filter((name) => env[name] !== undefined && String(env[name]) !== String(defaults[name]))
    .map((name) => `${name}=${quoteForShell(String(env[name]))}`)

  return [...assignments, 'npm run -s token --', args].join(' ')
}
