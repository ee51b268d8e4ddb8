import { parseArgs } from 'node:util'
import { buildSettings, ConfigError, loadEnv, splitList } from '../src/config.js'
import { devIssuerUrl, loadDevIssuerKey, mintDevToken } from '../src/dev-issuer/issuer.js'

const USAGE = `Prints an access token from the development issuer.

  npm run -s token -- [--sub ID] [--email E] [--name N] [--roles a,b]
                      [--permissions p,q] [--scope S] [--mfa] [--expires-in SEC]

Run it with the same PORT, HOST and DATA_DIR as the server, e.g.
  PORT=4000 npm run -s token -- --sub "auth0|alice" --roles admin --mfa`

function fail (message: string): never {
  console.error(`npm run token: ${message}`)
  process.exit(1)
}

function readArgs () {
  try {
    return parseArgs({
      options: {
        help: { type: 'boolean', default: false },
        sub: { type: 'string', default: 'auth0|dev-user' },
        email: { type: 'string' },
        name: { type: 'string' },
        roles: { type: 'string' },
        permissions: { type: 'string' },
        scope: { type: 'string' },
        mfa: { type: 'boolean', default: false },
        'expires-in': { type: 'string', default: '3600' }
      }
    }).values
  } catch (err) {
    fail(`${(err as Error).message}\n\n${USAGE}`)
  }
}

const values = readArgs()
if (values.help) {
  console.log(USAGE)
  process.exit(0)
}

function loadDevSettings () {
  try {
    const env = loadEnv(process.env, true)
    return buildSettings(env, devIssuerUrl(env.HOST, env.PORT))
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message)
    throw err
  }
}

const settings = loadDevSettings()
const { env } = settings
const expiresInSec = Number(values['expires-in'])

if (!settings.devIssuer) fail('only works with the development issuer (no AUTH0_DOMAIN or AUTH0_ISSUER set)')
if (!Number.isInteger(expiresInSec) || expiresInSec <= 0) fail('--expires-in must be a whole number of seconds')

const token = await mintDevToken({
  key: await loadDevIssuerKey(env.DATA_DIR),
  issuer: settings.issuer,
  audience: settings.audiences[0] as string,
  claimsNamespace: settings.claimsNamespace
}, {
  sub: values.sub,
  email: values.email,
  name: values.name,
  roles: values.roles === undefined ? undefined : splitList(values.roles),
  permissions: values.permissions === undefined ? undefined : splitList(values.permissions),
  scope: values.scope,
  mfa: values.mfa,
  expiresInSec
})

console.log(token)
