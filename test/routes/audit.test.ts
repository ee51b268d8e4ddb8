import t from 'tap'
import { build } from '../helper.js'
import { callAs, roleToken } from '../support/tokens.js'

interface Entry { actor: string, action: string, target: string, outcome: string, reason?: string }

t.test('audit trail', async (t) => {
  const { app, issuer } = await build(t)
  const admin = await roleToken(issuer, 'auth0|ada', ['admin'], true)
  const manager = await roleToken(issuer, 'auth0|max', ['manager'], true)
  const alice = await roleToken(issuer, 'auth0|alice', ['user'])
  const viewer = await roleToken(issuer, 'auth0|vera', ['viewer'])

  const team = (await callAs(app, manager, { method: 'POST', url: '/v1/teams', payload: { name: 'Ops' } })).json()
  await callAs(app, manager, { method: 'PUT', url: `/v1/teams/${team.id}/members/auth0%7Calice` })
  const doc = (await callAs(app, alice, { method: 'POST', url: '/v1/documents', payload: { title: 'a' } })).json()
  await callAs(app, alice, { method: 'PATCH', url: `/v1/documents/${doc.id}`, payload: { title: 'b', version: 1 } })
  await callAs(app, viewer, { method: 'POST', url: '/v1/documents', payload: { title: 'nope' } })
  await callAs(app, alice, { method: 'DELETE', url: `/v1/documents/${doc.id}` })
  await callAs(app, admin, { method: 'DELETE', url: `/v1/documents/${doc.id}` })

  const response = await callAs(app, admin, { url: '/v1/audit?limit=100' })
  const entries: Entry[] = response.json().items

  t.test('every document and team change is recorded with its actor', async (t) => {
    t.equal(response.statusCode, 200)
    const successes = entries.filter((entry) => entry.outcome === 'success').map((entry) => [entry.actor, entry.action, entry.target])

    t.same(successes.reverse(), [
      ['auth0|max', 'team.create', `team:${team.id}`],
      ['auth0|max', 'team.update', `team:${team.id}`],
      ['auth0|alice', 'document.create', `document:${doc.id}`],
      ['auth0|alice', 'document.update', `document:${doc.id}`],
      ['auth0|ada', 'document.delete', `document:${doc.id}`]
    ])
  })

  t.test('every denied write is recorded with the reason', async (t) => {
    const denied = entries.filter((entry) => entry.outcome === 'denied')

    t.match(denied, [
      { actor: 'auth0|alice', action: 'DELETE /v1/documents/:id', reason: 'missing delete:documents' },
      { actor: 'auth0|vera', action: 'POST /v1/documents', reason: 'missing write:documents write:own_documents' }
    ])
  })

  t.test('filters by actor and outcome', async (t) => {
    const byVera = (await callAs(app, admin, { url: '/v1/audit?actor=auth0%7Cvera' })).json().items
    const deniedOnly = (await callAs(app, admin, { url: '/v1/audit?outcome=denied' })).json().items

    t.equal(byVera.length, 1)
    t.ok(deniedOnly.every((entry: Entry) => entry.outcome === 'denied'))
  })

  t.test('pages newest first by cursor', async (t) => {
    const first = (await callAs(app, admin, { url: '/v1/audit?limit=3' })).json()
    const second = (await callAs(app, admin, { url: `/v1/audit?limit=3&cursor=${first.next_cursor}` })).json()

    t.same([...first.items, ...second.items].map((entry: { id: string }) => entry.id), entries.slice(0, 6).map((entry) => (entry as unknown as { id: string }).id))
  })

  t.test('only admins read it; a privileged admin steps up first', async (t) => {
    const byManager = await callAs(app, manager, { url: '/v1/audit' })
    const byAdminNoMfa = await callAs(app, await roleToken(issuer, 'auth0|ada', ['admin']), { url: '/v1/audit' })

    t.equal(byManager.statusCode, 403)
    t.match(String(byManager.headers['www-authenticate']), 'scope="admin"')
    t.equal(byAdminNoMfa.statusCode, 401)
  })

  t.test('there is no route that changes the audit trail', async (t) => {
    for (const method of ['POST', 'PATCH', 'PUT', 'DELETE'] as const) {
      t.equal((await callAs(app, admin, { method, url: '/v1/audit' })).statusCode, 404, method)
    }
  })

  t.test('invalid query strings are 400', async (t) => {
    for (const url of ['/v1/audit?outcome=maybe', '/v1/audit?limit=-1', '/v1/audit?cursor=%27']) {
      t.equal((await callAs(app, admin, { url })).statusCode, 400, url)
    }
  })
})
