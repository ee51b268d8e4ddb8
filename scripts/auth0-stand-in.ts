import { parseArgs } from 'node:util'
import { seedStandIn, startAuth0StandIn } from '../test/support/auth0-stand-in.js'

// Runs the tests' Auth0 stand-in as a local server, so the management
// routes can be tried without a tenant:
//   npx tsx scripts/auth0-stand-in.ts --port 4010
// then start the API with the printed AUTH0_MANAGEMENT_* variables.
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4010' },
    'client-id': { type: 'string', default: 'stand-in-m2m-client' },
    'client-secret': { type: 'string', default: 'stand-in-m2m-secret' },
    'token-lifetime': { type: 'string', default: '86400' }
  }
})

const standIn = await startAuth0StandIn({
  port: Number(values.port),
  clientId: values['client-id'],
  clientSecret: values['client-secret'],
  tokenLifetimeSec: Number(values['token-lifetime'])
})
seedStandIn(standIn)

console.log(`Auth0 stand-in listening on ${standIn.url}`)
console.log(`roles: ${standIn.roles.map((role) => `${role.name} (${role.id})`).join(', ')}`)
console.log(`users: ${[...standIn.users.keys()].map((id) => `${id} [${standIn.rolesOf(id).join(', ')}]`).join(', ')}`)
console.log('start the API with:')
console.log(`  AUTH0_MANAGEMENT_BASE_URL=${standIn.url} \\`)
console.log(`  AUTH0_MANAGEMENT_CLIENT_ID=${standIn.clientId} \\`)
console.log(`  AUTH0_MANAGEMENT_CLIENT_SECRET=${standIn.clientSecret}`)

function stop (): void {
  standIn.close().finally(() => process.exit(0))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
