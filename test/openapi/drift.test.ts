import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { build } from '../helper.js'
import { OPENAPI_ENV, OPENAPI_JSON_FILE, OPENAPI_YAML_FILE, renderOpenApi } from '../../src/openapi/render.js'

const ROOT = join(import.meta.dirname, '..', '..')
const HINT = 'the committed OpenAPI document is out of date: run `npm run openapi` and commit openapi/'

async function readCommitted (file: string): Promise<string> {
  return await readFile(join(ROOT, file), 'utf8').catch(() => '')
}

t.test('the committed openapi/ files are exactly what the app generates', async (t) => {
  const { app } = await build(t, { env: OPENAPI_ENV })

  const generated = renderOpenApi(app)

  t.ok(generated.json === await readCommitted(OPENAPI_JSON_FILE), `${OPENAPI_JSON_FILE}: ${HINT}`)
  t.ok(generated.yaml === await readCommitted(OPENAPI_YAML_FILE), `${OPENAPI_YAML_FILE}: ${HINT}`)
})

t.test('the generated document is the same from one build to the next', async (t) => {
  const first = renderOpenApi((await build(t, { env: OPENAPI_ENV })).app)
  const second = renderOpenApi((await build(t, { env: OPENAPI_ENV })).app)

  t.equal(second.json, first.json)
  t.equal(second.yaml, first.yaml)
})
