import { parseArgs } from 'node:util'
import { buildSettings, loadEnv, splitList } from '../src/config.js'
import { devIssuerUrl, loadDevIssuerKey, mintDevToken } from '../src/dev-issuer/issuer.js'

// Prints an access token from the development issuer, e.g.
//   npm run -s token -- --sub "auth0|alice" --roles admin --mfa
const { values } = parseArgs({
  options: {
    sub: { type: 'string', default: 'auth0|dev-user' },
    email: { type: 'string' },
    name: { type: 'string' },
    roles: { type: 'string' },
    permissions: { type: 'string' },
    scope: { type: 'string' },
    mfa: { type: 'boolean', default: false },
    'expires-in': { type: 'string', default: '3600' }
  }
})

const env = loadEnv(process.env, true)
const settings = buildSettings(env, devIssuerUrl(env.HOST, env.PORT))

if (!settings.devIssuer) {
  console.error('npm run token only works with the development issuer (no AUTH0_DOMAIN or AUTH0_ISSUER set)')
  process.exit(1)
}

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
  expiresInSec: Number(values['expires-in'])
})

console.log(token)
