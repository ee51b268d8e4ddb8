import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import app from '../src/app.js'
import { buildSettings, loadEnv } from '../src/config.js'
import { buildFastifyOptions } from '../src/fastify-options.js'
import { OPENAPI_ENV, OPENAPI_JSON_FILE, OPENAPI_YAML_FILE, renderOpenApi } from '../src/openapi/render.js'

// Writes openapi/openapi.json and openapi/openapi.yaml from the app's own
// route schemas: npm run openapi. test/openapi/drift.test.ts fails when
// the committed files differ from what this produces.
const ROOT = join(import.meta.dirname, '..')

const settings = buildSettings(loadEnv(OPENAPI_ENV))
const instance = Fastify(buildFastifyOptions(settings.env.LOG_LEVEL, settings.env))
await instance.register(fp(app), { settings })
await instance.ready()

const { json, yaml } = renderOpenApi(instance)
await writeFile(join(ROOT, OPENAPI_JSON_FILE), json)
await writeFile(join(ROOT, OPENAPI_YAML_FILE), yaml)
console.log(`wrote ${OPENAPI_JSON_FILE} and ${OPENAPI_YAML_FILE}`)

await instance.close()
// The embedded engine keeps the process alive after close() once a table
// has an index.
process.exit(0)
