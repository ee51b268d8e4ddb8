import t from 'tap'
import { build } from '../helper.js'
import { callAs, roleToken } from '../support/tokens.js'

const USERS = 20
const DOCS_EACH = 3

t.test('concurrent writers', async (t) => {
  const { app, issuer } = await build(t)

  t.test('20 users writing in parallel each see exactly their own documents', async (t) => {
    const tokens = await Promise.all(
      Array.from({ length: USERS }, (_, i) => roleToken(issuer, `auth0|writer-${i}`, ['user']))
    )

    const created = await Promise.all(tokens.flatMap((token, i) =>
      Array.from({ length: DOCS_EACH }, (_, n) => callAs(app, token, {
        method: 'POST', url: '/v1/documents', payload: { title: `w${i}-d${n}` }
      }))))
    const lists = await Promise.all(tokens.map((token) => callAs(app, token, { url: '/v1/documents?limit=100' })))

    t.ok(created.every((response) => response.statusCode === 201), 'every create is 201')
    lists.forEach((list, i) => {
      const titles = list.json().items.map((item: { title: string }) => item.title).sort()
      const owners = new Set(list.json().items.map((item: { owner: string }) => item.owner))
      t.same(titles, [`w${i}-d0`, `w${i}-d1`, `w${i}-d2`], `writer ${i} sees its own three`)
      t.same([...owners], [`auth0|writer-${i}`])
    })
  })

  t.test('two updates at the same version: one succeeds, the other is 412, nothing lost', async (t) => {
    const token = await roleToken(issuer, 'auth0|racer', ['user'])
    const doc = (await callAs(app, token, { method: 'POST', url: '/v1/documents', payload: { title: 'start' } })).json()
    const update = (title: string) => callAs(app, token, {
      method: 'PATCH', url: `/v1/documents/${doc.id}`, headers: { 'if-match': '"1"' }, payload: { title }
    })

    const results = await Promise.all([update('first'), update('second')])

    const statuses = results.map((response) => response.statusCode).sort()
    t.same(statuses, [200, 412])
    const winner = results.find((response) => response.statusCode === 200)?.json()
    const stored = (await callAs(app, token, { url: `/v1/documents/${doc.id}` })).json()
    t.equal(stored.version, 2)
    t.equal(stored.title, winner.title, 'the stored title is the winner\'s')
  })
})
