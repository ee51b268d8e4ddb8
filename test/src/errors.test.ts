import t from 'tap'
import { findChallenge, permissionDenied } from '../../src/errors.js'

t.test('a denial where any one permission would do says so and names every one as scope', async (t) => {
  const error = permissionDenied(['write:documents', 'write:own_documents'], true)

  t.equal(error.statusCode, 403)
  t.equal(error.message, 'This action needs one of the permissions: write:documents, write:own_documents')
  t.same(findChallenge(error), { error: 'insufficient_scope', scope: 'write:documents write:own_documents' })
})

t.test('a denial of a single permission names it', async (t) => {
  const error = permissionDenied(['delete:documents'])

  t.equal(error.message, 'This action needs the permission: delete:documents')
  t.same(findChallenge(error), { error: 'insufficient_scope', scope: 'delete:documents' })
})
