import t from 'tap'
import { build } from '../helper.js'
import { callAs, roleToken } from '../support/tokens.js'

t.test('teams API', async (t) => {
  const { app, issuer } = await build(t)
  const manager = await roleToken(issuer, 'auth0|max', ['manager'], true)
  const otherManager = await roleToken(issuer, 'auth0|mia', ['manager'], true)
  const admin = await roleToken(issuer, 'auth0|ada', ['admin'], true)
  const alice = await roleToken(issuer, 'auth0|alice', ['user'])
  const viewer = await roleToken(issuer, 'auth0|vera', ['viewer'])
  const memberUrl = (id: string, sub: string) => `/v1/teams/${id}/members/${encodeURIComponent(sub)}`

  const created = await callAs(app, manager, { method: 'POST', url: '/v1/teams', payload: { name: 'Red' } })
  const team = created.json()

  t.test('a manager with MFA creates a team and becomes its manager', async (t) => {
    t.equal(created.statusCode, 201)
    t.match(team, { name: 'Red', members: ['auth0|max'], managers: ['auth0|max'], created_by: 'auth0|max' })
    t.equal(created.headers.location, `/v1/teams/${team.id}`)
  })

  t.test('creating a team needs manage:teams or admin, and MFA for privileged roles', async (t) => {
    const byUser = await callAs(app, alice, { method: 'POST', url: '/v1/teams', payload: { name: 'x' } })
    const noMfa = await roleToken(issuer, 'auth0|max', ['manager'])
    const byManagerNoMfa = await callAs(app, noMfa, { method: 'POST', url: '/v1/teams', payload: { name: 'x' } })
    const byAdmin = await callAs(app, admin, { method: 'POST', url: '/v1/teams', payload: { name: 'Blue' } })

    t.equal(byUser.statusCode, 403)
    t.match(String(byUser.headers['www-authenticate']), 'error="insufficient_scope", scope="manage:teams admin"')
    t.equal(byManagerNoMfa.statusCode, 401)
    t.match(String(byManagerNoMfa.headers['www-authenticate']), 'error="insufficient_user_authentication"')
    t.equal(byAdmin.statusCode, 201)
  })

  t.test('the team\'s manager adds members; members see the team, others get 404', async (t) => {
    const added = await callAs(app, manager, { method: 'PUT', url: memberUrl(team.id, 'auth0|alice') })
    const byAlice = await callAs(app, alice, { url: `/v1/teams/${team.id}` })
    const byViewer = await callAs(app, viewer, { url: `/v1/teams/${team.id}` })
    const listViewer = await callAs(app, viewer, { url: '/v1/teams' })

    t.equal(added.statusCode, 200)
    t.same(added.json().members, ['auth0|max', 'auth0|alice'])
    t.equal(byAlice.statusCode, 200)
    t.equal(byViewer.statusCode, 404)
    t.same(listViewer.json().items, [])
  })

  t.test('a manager of another team cannot change this team\'s members', async (t) => {
    const response = await callAs(app, otherManager, { method: 'PUT', url: memberUrl(team.id, 'auth0|mia') })

    t.equal(response.statusCode, 404, 'the team is not even visible to a non-member')
  })

  t.test('a member holding manage:teams who is not a manager of the team gets 403', async (t) => {
    await callAs(app, manager, { method: 'PUT', url: memberUrl(team.id, 'auth0|mia') })

    const response = await callAs(app, otherManager, { method: 'PUT', url: memberUrl(team.id, 'auth0|zed') })

    t.equal(response.statusCode, 403)
    t.equal(response.json().code, 'RBAC_NOT_TEAM_MANAGER')
    const stored = (await callAs(app, manager, { url: `/v1/teams/${team.id}` })).json()
    t.notOk(stored.members.includes('auth0|zed'))
  })

  t.test('an admin manages any team, and can add a manager', async (t) => {
    const response = await callAs(app, admin, { method: 'PUT', url: `${memberUrl(team.id, 'auth0|mia')}?manager=true` })

    t.equal(response.statusCode, 200)
    t.ok(response.json().managers.includes('auth0|mia'))
  })

  t.test('removing a member takes away the team\'s shared documents', async (t) => {
    const doc = (await callAs(app, manager, {
      method: 'POST', url: '/v1/documents', payload: { title: 'team memo', team: team.id }
    })).json()
    t.equal((await callAs(app, alice, { url: `/v1/documents/${doc.id}` })).statusCode, 200)

    const removed = await callAs(app, manager, { method: 'DELETE', url: memberUrl(team.id, 'auth0|alice') })

    t.equal(removed.statusCode, 200)
    t.notOk(removed.json().members.includes('auth0|alice'))
    t.equal((await callAs(app, alice, { url: `/v1/documents/${doc.id}` })).statusCode, 404)
  })

  t.test('a user without manage:teams cannot change members (403 naming both ways in)', async (t) => {
    const response = await callAs(app, alice, { method: 'DELETE', url: memberUrl(team.id, 'auth0|max') })

    t.equal(response.statusCode, 403)
    t.match(String(response.headers['www-authenticate']), 'scope="manage:teams admin"')
  })

  t.test('invalid team input is 400', async (t) => {
    const cases = [
      { method: 'POST' as const, url: '/v1/teams', payload: { name: '' } },
      { method: 'POST' as const, url: '/v1/teams', payload: { name: 'x', members: [] } },
      { method: 'PUT' as const, url: `${memberUrl(team.id, 'auth0|x')}?manager=maybe` },
      { url: '/v1/teams/a%3Bb' }
    ]

    for (const call of cases) {
      t.equal((await callAs(app, manager, call)).statusCode, 400, `${call.method ?? 'GET'} ${call.url}`)
    }
  })
})
