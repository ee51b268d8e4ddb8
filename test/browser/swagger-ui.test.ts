import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { buildDevApp } from '../openapi/dev-app.js'
import { build, buildIssuer, TEST_AUDIENCE } from '../helper.js'
import { startAuthorizeStandIn } from './authorize-stand-in.js'

// Debian's chromium by default; CHROMIUM_PATH points elsewhere.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]
const OUTPUT_DIR = join(import.meta.dirname, '..', '..', 'test-output', 'swagger-ui')
const UI_TIMEOUT_MS = 15_000

interface Session {
  page: Page
  /** Authorization headers the page sent to /v1, in order. */
  sentAuthorization: string[]
  /** Content-Security-Policy violations and page errors. */
  problems: string[]
}

async function openDocs (context: BrowserContext, baseUrl: string): Promise<Session> {
  const page = await context.newPage()
  const session: Session = { page, sentAuthorization: [], problems: [] }
  page.setDefaultTimeout(UI_TIMEOUT_MS)

  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/v1/')) {
      session.sentAuthorization.push(request.headers().authorization ?? '')
    }
  })
  // The browser also logs every 4xx response as an error; only policy
  // violations and script errors count as problems.
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) session.problems.push(message.text())
  })
  page.on('pageerror', (error) => { session.problems.push(error.message) })

  await page.goto(`${baseUrl}/docs/`)
  await page.locator('#operations-me-getMe').waitFor()
  return session
}

async function authorizeWithPassword (page: Page, username: string): Promise<void> {
  await page.locator('button.btn.authorize').first().click()
  const modal = page.locator('.modal-ux')
  const oauth = modal.locator('.auth-container', { hasText: 'auth0 (OAuth2, password)' })

  await oauth.locator('#oauth_username').fill(username)
  await oauth.locator('#oauth_password').fill('any password')
  await oauth.locator('button.authorize').click()
  await oauth.locator('button', { hasText: 'Logout' }).waitFor()
  await modal.locator('button.btn-done').first().click()
}

async function authorizeWithBearer (page: Page, token: string): Promise<void> {
  await page.locator('button.btn.authorize').first().click()
  const modal = page.locator('.modal-ux')
  const bearer = modal.locator('.auth-container', { hasText: 'bearerAuth' })

  await bearer.locator('input').fill(token)
  await bearer.locator('button.authorize').click()
  await bearer.locator('button', { hasText: 'Logout' }).waitFor()
  await modal.locator('button.btn-done').first().click()
}

// Auth0's login runs in a popup that hands the code back through
// window.opener; the dialog shows Logout once the token exchange is done.
async function authorizeWithAuth0 (page: Page): Promise<void> {
  await page.locator('button.btn.authorize').first().click()
  const modal = page.locator('.modal-ux')
  const oauth = modal.locator('.auth-container', { hasText: 'auth0 (OAuth2, authorization' })

  const popup = page.waitForEvent('popup')
  await oauth.locator('button.authorize').click()
  await (await popup).waitForEvent('close')
  await oauth.locator('button', { hasText: 'Logout' }).waitFor()
  await modal.locator('button.btn-done').first().click()
}

/** Try it out → Execute on one operation; returns the status and body the page shows. */
async function execute (page: Page, operationDomId: string, name: string): Promise<{ status: string, body: string }> {
  const operation = page.locator(`#${operationDomId}`)

  await operation.locator('.opblock-summary').first().click()
  await operation.getByRole('button', { name: 'Try it out' }).click()
  await operation.getByRole('button', { name: 'Execute' }).click()

  const live = operation.locator('.live-responses-table .response')
  await live.waitFor()
  await operation.locator('.responses-inner').first().screenshot({ path: join(OUTPUT_DIR, `${name}.png`) })
  const status = (await live.locator('.response-col_status').innerText()).trim()
  const body = await live.locator('.response-col_description .microlight, .response-col_description pre').first().innerText()
  return { status, body }
}

async function launch (userDataDir: string): Promise<BrowserContext> {
  return await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS
  })
}

if (!existsSync(CHROMIUM)) {
  if (['true', '1'].includes(process.env.CI ?? '')) {
    t.fail(`${CHROMIUM} is missing: CI must install Debian's chromium (.ci/run does)`)
  } else {
    t.plan(0, `skipped: ${CHROMIUM} is missing (apt-get install chromium to run the Swagger UI test)`)
  }
} else {
  t.test('Swagger UI in a real browser', async (t) => {
    const { baseUrl } = await buildDevApp(t, t.testdir())
    const context = await launch(join(t.testdirName, 'chromium-profile'))
    t.teardown(() => context.close())
    await mkdir(OUTPUT_DIR, { recursive: true })

    t.test('a development login in the Authorize dialog lets GET /v1/me run and shows the user', async (t) => {
      const session = await openDocs(context, baseUrl)

      await authorizeWithPassword(session.page, 'viewer')
      await session.page.screenshot({ path: join(OUTPUT_DIR, 'dev-login-authorized.png') })
      const me = await execute(session.page, 'operations-me-getMe', 'dev-login-get-me')
      const denied = await execute(session.page, 'operations-audit-listAudit', 'dev-login-denied')

      t.equal(me.status, '200')
      t.match(me.body, '"sub": "auth0|dev-viewer"')
      t.equal(denied.status, '403')
      t.match(denied.body, 'This action needs the permission: admin')
      t.ok(session.sentAuthorization.length >= 2)
      t.ok(session.sentAuthorization.every((header) => /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/.test(header)))
      t.same(session.problems, [], 'no CSP violation or script error')
    })

    t.test('Auth0 login with PKCE and the API audience gets a token that GET /v1/me accepts', async (t) => {
      const issuer = await buildIssuer(t)
      const standIn = await startAuthorizeStandIn((claims) => issuer.sign({ claims }))
      t.teardown(() => standIn.close())
      const { app } = await build(t, {
        issuer,
        env: {
          AUTH0_ISSUER: standIn.url,
          AUTH0_JWKS_URI: `${issuer.url}.well-known/jwks.json`,
          AUTH0_DOCS_CLIENT_ID: 'docs-spa-client',
          MAX_EVENT_LOOP_DELAY_MS: '0'
        }
      })
      const address = await app.listen({ host: '127.0.0.1', port: 0 })
      const session = await openDocs(context, address)

      await authorizeWithAuth0(session.page)
      const me = await execute(session.page, 'operations-me-getMe', 'auth0-pkce-get-me')

      t.match(standIn.authorizeRequests, [{
        clientId: 'docs-spa-client',
        audience: TEST_AUDIENCE,
        codeChallengeMethod: 'S256'
      }])
      t.equal(standIn.verifiedExchanges, 1, 'the code verifier matched the challenge')
      t.equal(me.status, '200')
      t.match(me.body, '"sub": "auth0|pkce-user"')
      t.same(session.problems, [], 'no CSP violation or script error')
    })

    t.test('a pasted bearer token is sent as Authorization: Bearer on Try it out (C17)', async (t) => {
      const session = await openDocs(context, baseUrl)
      const grant = await fetch(`${baseUrl}/dev/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sub: 'auth0|pasted', roles: ['user'] })
      })
      const token = (await grant.json() as { access_token: string }).access_token

      await authorizeWithBearer(session.page, token)
      const me = await execute(session.page, 'operations-me-getMe', 'bearer-get-me')

      t.equal(me.status, '200')
      t.match(me.body, '"sub": "auth0|pasted"')
      t.same(session.sentAuthorization, [`Bearer ${token}`])
      t.same(session.problems, [], 'no CSP violation or script error')
    })
  })
}
