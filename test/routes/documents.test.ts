import t from 'tap'
import { bearer, build, TEST_NAMESPACE } from '../helper.js'
import { callAs, roleToken, signFor } from '../support/tokens.js'

// One app for the whole file: the parent test closes it after every subtest.
t.test('documents API', async (t) => {
  const { app, issuer } = await build(t)

  const alice = await roleToken(issuer, 'auth0|alice', ['user'])
  const bob = await roleToken(issuer, 'auth0|bob', ['user'])
  const viewer = await roleToken(issuer, 'auth0|vera', ['viewer'])
  const manager = await roleToken(issuer, 'auth0|max', ['manager'], true)
  const managerNoMfa = await roleToken(issuer, 'auth0|max', ['manager'])
  const admin = await roleToken(issuer, 'auth0|ada', ['admin'], true)
  const adminNoMfa = await roleToken(issuer, 'auth0|ada', ['admin'])

  async function createAs (token: string, payload: Record<string, unknown>) {
    const response = await callAs(app, token, { method: 'POST', url: '/v1/documents', payload })
    if (response.statusCode !== 201) throw new Error(`create failed: ${response.statusCode}`)
    return response.json()
  }

  function challengeOf (response: { headers: Record<string, unknown> }): string {
    return String(response.headers['www-authenticate'])
  }

  t.test('a user creates, reads, lists and updates an own document', async (t) => {
    const created = await callAs(app, alice, {
      method: 'POST',
      url: '/v1/documents',
      payload: { title: 'Plan', body: 'text', tags: ['q1'] }
    })

    t.equal(created.statusCode, 201)
    const doc = created.json()
    t.match(doc, { title: 'Plan', body: 'text', tags: ['q1'], owner: 'auth0|alice', team: null, version: 1 })
    t.equal(created.headers.etag, '"1"')
    t.equal(created.headers.location, `/v1/documents/${doc.id}`)

    const read = await callAs(app, alice, { url: `/v1/documents/${doc.id}` })
    t.equal(read.statusCode, 200)
    t.equal(read.headers.etag, '"1"')

    const updated = await callAs(app, alice, {
      method: 'PATCH',
      url: `/v1/documents/${doc.id}`,
      headers: { 'if-match': '"1"' },
      payload: { title: 'Plan v2' }
    })
    t.equal(updated.statusCode, 200)
    t.match(updated.json(), { title: 'Plan v2', body: 'text', version: 2 })
    t.equal(updated.headers.etag, '"2"')

    const list = await callAs(app, alice, { url: '/v1/documents?owner=auth0%7Calice' })
    t.ok(list.json().items.some((item: { id: string }) => item.id === doc.id))
  })

  t.test('POST /v1/documents answers each kind of caller as its roles and token shape say', async (t) => {
    const cases: Array<[string, Promise<string>, number, string?]> = [
      ['user', Promise.resolve(alice), 201],
      ['viewer', Promise.resolve(viewer), 403, 'insufficient_scope'],
      ['manager with MFA', Promise.resolve(manager), 201],
      ['manager without MFA', Promise.resolve(managerNoMfa), 401, 'insufficient_user_authentication'],
      ['admin with MFA', Promise.resolve(admin), 201],
      ['admin without MFA', Promise.resolve(adminNoMfa), 401, 'insufficient_user_authentication'],
      ['no roles and no permissions claim (default role user)', signFor(issuer, { sub: 'auth0|nora' }), 201],
      ['permissions-only token without write', signFor(issuer, {
        sub: 'auth0|pia', permissions: ['read:documents']
      }), 403, 'insufficient_scope'],
      ['permissions-only token with write:own_documents', signFor(issuer, {
        sub: 'auth0|pia', permissions: ['write:own_documents']
      }), 201],
      ['permissions claim present but empty', signFor(issuer, { sub: 'auth0|pia', permissions: [] }), 403, 'insufficient_scope'],
      ['scope-only token with write:own_documents', signFor(issuer, {
        sub: 'auth0|sam', scope: 'openid write:own_documents', permissions: []
      }), 201]
    ]

    for (const [name, tokenPromise, status, error] of cases) {
      const response = await callAs(app, await tokenPromise, {
        method: 'POST', url: '/v1/documents', payload: { title: name }
      })

      t.equal(response.statusCode, status, name)
      if (error) t.match(challengeOf(response), `error="${error}"`, name)
      if (error === 'insufficient_scope') {
        t.match(challengeOf(response), 'scope="write:documents write:own_documents"', name)
      }
      if (error === 'insufficient_user_authentication') {
        t.match(challengeOf(response), 'acr_values="http://schemas.openid.net/pape/policies/2007/06/multi-factor"', name)
      }
    }
  })

  t.test('reads never ask privileged roles to step up', async (t) => {
    const response = await callAs(app, adminNoMfa, { url: '/v1/documents' })

    t.equal(response.statusCode, 200)
  })

  t.test('GET /v1/documents without read:documents is 403 naming read:documents', async (t) => {
    const token = await signFor(issuer, { sub: 'auth0|pia', permissions: ['write:own_documents'] })

    const response = await callAs(app, token, { url: '/v1/documents' })

    t.equal(response.statusCode, 403)
    t.equal(challengeOf(response), 'Bearer realm="https://api.example.test", error="insufficient_scope", scope="read:documents"')
    t.equal(response.json().code, 'RBAC_PERMISSION_DENIED')
  })

  t.test('C11: DELETE with only read:documents is 403 insufficient_scope and deletes nothing', async (t) => {
    const doc = await createAs(alice, { title: 'keep me' })
    const readOnly = await issuer.sign({ claims: { sub: 'auth0|alice' } })

    const response = await callAs(app, readOnly, { method: 'DELETE', url: `/v1/documents/${doc.id}` })

    t.equal(response.statusCode, 403)
    t.match(challengeOf(response), 'error="insufficient_scope", scope="delete:documents"')
    const still = await callAs(app, alice, { url: `/v1/documents/${doc.id}` })
    t.equal(still.statusCode, 200)

    t.test('an expired token with delete:documents is 401 invalid_token, not 403', async (t) => {
      const now = Math.floor(Date.now() / 1000)
      const expired = await issuer.sign({
        claims: { permissions: ['read:documents', 'delete:documents'], iat: now - 4000, exp: now - 600 }
      })

      const denied = await callAs(app, expired, { method: 'DELETE', url: `/v1/documents/${doc.id}` })

      t.equal(denied.statusCode, 401)
      t.match(challengeOf(denied), 'error="invalid_token"')
    })

    t.test('a token for another audience is 401 invalid_token', async (t) => {
      const otherAudience = await issuer.sign({
        claims: { aud: 'https://other.example.test', permissions: ['read:documents', 'delete:documents', 'admin'] }
      })

      const denied = await callAs(app, otherAudience, { method: 'DELETE', url: `/v1/documents/${doc.id}` })

      t.equal(denied.statusCode, 401)
      t.match(challengeOf(denied), 'error="invalid_token"')
    })

    t.test('no Authorization header is a plain bearer challenge', async (t) => {
      const denied = await app.inject({ method: 'DELETE', url: `/v1/documents/${doc.id}` })

      t.equal(denied.statusCode, 401)
      t.equal(challengeOf(denied), 'Bearer realm="https://api.example.test"')
    })
  })

  t.test('C12: permission claim shapes on GET /v1/documents', async (t) => {
    const variants: Array<[string, Record<string, unknown>, string[], number]> = [
      ['scope string, no permissions claim', { scope: 'openid profile read:documents' }, ['permissions'], 200],
      ['scope array, no permissions claim', { scope: ['openid', 'read:documents'] }, ['permissions'], 200],
      ['permissions as a longer string', { permissions: 'read:documents:all', scope: 'openid' }, [], 403],
      ['permissions in upper case', { permissions: ['READ:DOCUMENTS'], scope: 'openid' }, [], 403],
      ['permissions null', { permissions: null, scope: 'openid' }, [], 403],
      ['roles claim as a single string', { [`${TEST_NAMESPACE}roles`]: 'admin', scope: 'openid' }, ['permissions'], 200]
    ]

    for (const [name, claims, omit, status] of variants) {
      const token = await issuer.sign({ claims: { sub: 'auth0|c12', ...claims }, omit })

      const response = await callAs(app, token, { url: '/v1/documents' })

      t.equal(response.statusCode, status, name)
      if (status === 403) {
        t.match(challengeOf(response), 'error="insufficient_scope", scope="read:documents"', name)
      }
    }
  })

  t.test('C20: a document is invisible to a non-member and visible to a member of its team', async (t) => {
    const team = (await callAs(app, manager, { method: 'POST', url: '/v1/teams', payload: { name: 'c20' } })).json()
    for (const sub of ['auth0|user-a', 'auth0|user-c']) {
      await callAs(app, manager, { method: 'PUT', url: `/v1/teams/${team.id}/members/${encodeURIComponent(sub)}` })
    }
    const userA = await roleToken(issuer, 'auth0|user-a', ['user'])
    const docA1 = await createAs(userA, { title: 'doc-a1', team: team.id })
    const userB = await issuer.sign({ claims: { sub: 'auth0|user-b' } })
    const userC = await issuer.sign({ claims: { sub: 'auth0|user-c' } })

    const forbidden = await callAs(app, userB, { url: `/v1/documents/${docA1.id}` })
    const missing = await callAs(app, userB, { url: '/v1/documents/01ZZZZZZZZZZZZZZZZZZZZZZZ9' })
    const listB = await callAs(app, userB, { url: '/v1/documents' })
    const listC = await callAs(app, userC, { url: '/v1/documents' })
    const readC = await callAs(app, userC, { url: `/v1/documents/${docA1.id}` })

    t.equal(forbidden.statusCode, 404)
    t.notMatch(forbidden.body, 'doc-a1')
    t.equal(missing.statusCode, 404)
    t.same(forbidden.json(), missing.json(), 'same status and body whether hidden or absent')
    t.notOk(listB.json().items.some((item: { id: string }) => item.id === docA1.id))
    t.ok(listC.json().items.some((item: { id: string }) => item.id === docA1.id))
    t.equal(readC.statusCode, 200)
  })

  t.test('updates carry the version they change', async (t) => {
    const doc = await createAs(alice, { title: 'v1' })
    const url = `/v1/documents/${doc.id}`

    t.test('a stale If-Match is 412 and nothing is overwritten', async (t) => {
      await callAs(app, alice, { method: 'PATCH', url, headers: { 'if-match': '"1"' }, payload: { title: 'v2' } })

      const stale = await callAs(app, alice, { method: 'PATCH', url, headers: { 'if-match': '"1"' }, payload: { title: 'lost' } })

      t.equal(stale.statusCode, 412)
      t.equal(stale.json().code, 'DOCUMENT_VERSION_CONFLICT')
      t.match((await callAs(app, alice, { url })).json(), { title: 'v2', version: 2 })
    })

    t.test('a version field works like If-Match', async (t) => {
      const ok = await callAs(app, alice, { method: 'PATCH', url, payload: { title: 'v3', version: 2 } })
      const stale = await callAs(app, alice, { method: 'PATCH', url, payload: { title: 'lost', version: 2 } })

      t.equal(ok.statusCode, 200)
      t.equal(stale.statusCode, 412)
    })

    t.test('an update naming no version is 428', async (t) => {
      const response = await callAs(app, alice, { method: 'PATCH', url, payload: { title: 'x' } })

      t.equal(response.statusCode, 428)
      t.equal(response.json().code, 'DOCUMENT_VERSION_REQUIRED')
    })

    t.test('an If-Match that is not one of our ETags matches nothing', async (t) => {
      const response = await callAs(app, alice, { method: 'PATCH', url, headers: { 'if-match': 'W/"3"' }, payload: { title: 'x' } })

      t.equal(response.statusCode, 412)
    })

    t.test('a stale If-Match on DELETE is 412 and keeps the document', async (t) => {
      const response = await callAs(app, admin, { method: 'DELETE', url, headers: { 'if-match': '"1"' } })

      t.equal(response.statusCode, 412)
      t.equal((await callAs(app, alice, { url })).statusCode, 200)
    })
  })

  t.test('write:own_documents does not reach a teammate\'s document, write:documents does', async (t) => {
    const team = (await callAs(app, manager, { method: 'POST', url: '/v1/teams', payload: { name: 'writers' } })).json()
    for (const sub of ['auth0|alice', 'auth0|bob']) {
      await callAs(app, manager, { method: 'PUT', url: `/v1/teams/${team.id}/members/${encodeURIComponent(sub)}` })
    }
    const doc = await createAs(alice, { title: 'shared', team: team.id })
    const url = `/v1/documents/${doc.id}`

    const byBob = await callAs(app, bob, { method: 'PATCH', url, headers: { 'if-match': '"1"' }, payload: { title: 'bob was here' } })
    const byManager = await callAs(app, manager, { method: 'PATCH', url, headers: { 'if-match': '"1"' }, payload: { title: 'edited' } })
    const byManagerNoMfa = await callAs(app, managerNoMfa, { method: 'PATCH', url, headers: { 'if-match': '"2"' }, payload: { title: 'no' } })

    t.equal((await callAs(app, bob, { url })).statusCode, 200, 'bob can read it')
    t.equal(byBob.statusCode, 403)
    t.match(challengeOf(byBob), 'scope="write:documents"')
    t.equal(byManager.statusCode, 200)
    t.equal(byManagerNoMfa.statusCode, 401)
    t.match((await callAs(app, alice, { url })).json(), { title: 'edited', version: 2 })
    const denied = (await callAs(app, admin, { url: '/v1/audit?actor=auth0%7Cbob&outcome=denied' })).json().items
    t.match(denied, [{ action: 'document.update', target: `document:${doc.id}`, reason: 'missing write:documents' }])
  })

  t.test('a document can be shared only with a team the caller belongs to', async (t) => {
    const team = (await callAs(app, manager, { method: 'POST', url: '/v1/teams', payload: { name: 'closed' } })).json()

    const response = await callAs(app, alice, { method: 'POST', url: '/v1/documents', payload: { title: 'x', team: team.id } })

    t.equal(response.statusCode, 400)
    t.equal(response.json().code, 'DOCUMENT_TEAM_UNKNOWN')
  })

  t.test('an admin with MFA deletes a document; then it is gone', async (t) => {
    const doc = await createAs(alice, { title: 'to delete' })

    const deleted = await callAs(app, admin, { method: 'DELETE', url: `/v1/documents/${doc.id}`, headers: { 'if-match': '"1"' } })
    const again = await callAs(app, admin, { method: 'DELETE', url: `/v1/documents/${doc.id}` })

    t.equal(deleted.statusCode, 204)
    t.equal(again.statusCode, 404)
    t.equal((await callAs(app, alice, { url: `/v1/documents/${doc.id}` })).statusCode, 404)
  })

  t.test('lists page by cursor and filter by tag, owner and team', async (t) => {
    const carol = await roleToken(issuer, 'auth0|carol', ['user'])
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await createAs(carol, { title: `p${i}`, tags: i % 2 === 0 ? ['even'] : ['odd'] })).id)
    const seen: string[] = []
    let cursor: string | null = null

    do {
      const query: string = cursor === null ? '' : `&cursor=${cursor}`
      const page = (await callAs(app, carol, { url: `/v1/documents?limit=2${query}` })).json()
      t.ok(page.items.length <= 2)
      seen.push(...page.items.map((item: { id: string }) => item.id))
      cursor = page.next_cursor
    } while (cursor !== null)

    t.same(seen, ids, 'every document once, in creation order')
    const even = (await callAs(app, carol, { url: '/v1/documents?tag=even' })).json()
    t.same(even.items.map((item: { title: string }) => item.title), ['p0', 'p2', 'p4'])
    const byOwner = (await callAs(app, admin, { url: '/v1/documents?owner=auth0%7Ccarol&limit=100' })).json()
    t.equal(byOwner.items.length, 5)
  })

  t.test('invalid bodies and query strings are 400 with the shared error shape', async (t) => {
    const doc = await createAs(alice, { title: 'valid' })
    const invalid: Array<[string, Parameters<typeof callAs>[2]]> = [
      ['missing title', { method: 'POST', url: '/v1/documents', payload: { body: 'x' } }],
      ['empty title', { method: 'POST', url: '/v1/documents', payload: { title: '' } }],
      ['unknown field', { method: 'POST', url: '/v1/documents', payload: { title: 'x', owner: 'auth0|bob' } }],
      ['tags not strings', { method: 'POST', url: '/v1/documents', payload: { title: 'x', tags: [1, { a: 1 }] } }],
      ['team id with bad characters', { method: 'POST', url: '/v1/documents', payload: { title: 'x', team: 'a;b' } }],
      ['empty patch', { method: 'PATCH', url: `/v1/documents/${doc.id}`, payload: {} }],
      ['limit 0', { url: '/v1/documents?limit=0' }],
      ['limit 101', { url: '/v1/documents?limit=101' }],
      ['limit not a number', { url: '/v1/documents?limit=ten' }],
      ['cursor with bad characters', { url: '/v1/documents?cursor=a%3Bb' }],
      ['unknown query parameter', { url: '/v1/documents?sort=title' }],
      ['id with bad characters', { url: '/v1/documents/a%3Bb' }]
    ]

    for (const [name, call] of invalid) {
      const response = await callAs(app, alice, call)

      t.equal(response.statusCode, 400, name)
      t.match(response.json(), { statusCode: 400, code: String, error: 'Bad Request', message: String }, name)
    }
  })
})

t.test('If-Match follows RFC 9110: * and a list naming the current version match, junk does not', async (t) => {
  const { app, issuer } = await build(t)
  const alice = await issuer.sign({ claims: { sub: 'auth0|if-match-alice', permissions: undefined, scope: 'openid' } })
  const created = await app.inject({
    method: 'POST',
    url: '/v1/documents',
    headers: bearer(alice),
    payload: { title: 'first' }
  })
  const url = `/v1/documents/${created.json().id}`

  function patch (ifMatch: string, title: string) {
    return app.inject({ method: 'PATCH', url, headers: { ...bearer(alice), 'if-match': ifMatch }, payload: { title } })
  }
  const star = await patch('*', 'by star')
  const list = await patch('"7", "2"', 'by list')
  const junk = await patch('junk', 'by junk')
  const weak = await patch('W/"3"', 'by weak')
  const stored = await app.inject({ url, headers: bearer(alice) })

  t.equal(star.statusCode, 200)
  t.equal(list.statusCode, 200)
  t.equal(junk.statusCode, 412)
  t.match(junk.json().message, 'is at version 3')
  t.equal(weak.statusCode, 412)
  t.equal(stored.json().title, 'by list')
  t.equal(stored.headers.etag, '"3"')
})
