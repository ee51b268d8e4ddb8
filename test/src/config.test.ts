import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildSettings, ConfigError, loadEnv } from '../../src/config.js'

const SERVER = join(import.meta.dirname, '..', '..', 'src', 'server.ts')
const DEV_ISSUER_URL = 'http://127.0.0.1:3000/dev/'

const PRODUCTION = {
  NODE_ENV: 'production',
  AUTH0_DOMAIN: 'tenant.eu.auth0.com',
  AUTH0_AUDIENCE: 'https://api.example.test',
  SURREAL_URL: 'wss://db.example.test',
  SURREAL_USERNAME: 'migrator',
  SURREAL_PASSWORD: 'not-a-real-password',
  SURREAL_ACCESS_KEY: 'placeholder'
}

function configErrorOf (fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    if (err instanceof ConfigError) return err.message
    throw err
  }
  return 'no error'
}

function settingsFor (env: Record<string, string | undefined>, devIssuerUrl?: string) {
  return buildSettings(loadEnv(env), devIssuerUrl)
}

t.test('names the variable in one line when a value is invalid', async (t) => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ NODE_ENV: 'prod' }, 'NODE_ENV'],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL'],
    [{ AUTH0_ISSUER: 'ftp://tenant.auth0.com/' }, 'AUTH0_ISSUER'],
    [{ AUTH0_ISSUER: '' }, 'AUTH0_ISSUER'],
    [{ AUTH0_DOMAIN: 'https://tenant.auth0.com' }, 'AUTH0_DOMAIN'],
    [{ AUTH0_JWKS_URI: 'tenant.auth0.com/.well-known/jwks.json' }, 'AUTH0_JWKS_URI'],
    [{ AUTH0_AUDIENCE: '' }, 'AUTH0_AUDIENCE'],
    [{ AUTH0_CLOCK_TOLERANCE: '120' }, 'AUTH0_CLOCK_TOLERANCE'],
    [{ AUTH0_CLOCK_TOLERANCE: '-1' }, 'AUTH0_CLOCK_TOLERANCE'],
    [{ SURREAL_URL: 'postgres://db' }, 'SURREAL_URL']
  ]

  for (const [env, name] of cases) {
    const message = configErrorOf(() => loadEnv(env))

    t.match(message, name, JSON.stringify(env))
    t.notMatch(message, /\n/, 'one line')
  }
})

t.test('refuses to start in production without an issuer', async (t) => {
  const message = configErrorOf(() => settingsFor({ ...PRODUCTION, AUTH0_DOMAIN: undefined }, DEV_ISSUER_URL))

  t.match(message, /AUTH0_DOMAIN or AUTH0_ISSUER is required/)
})

t.test('refuses to start in production without an audience', async (t) => {
  const message = configErrorOf(() => settingsFor({ ...PRODUCTION, AUTH0_AUDIENCE: undefined }))

  t.match(message, /AUTH0_AUDIENCE is required/)
})

t.test('refuses a configured tenant without an audience outside production too', async (t) => {
  const message = configErrorOf(() => settingsFor({ AUTH0_DOMAIN: 'tenant.auth0.com' }, DEV_ISSUER_URL))

  t.match(message, /AUTH0_AUDIENCE is required/)
})

t.test('refuses a JWKS location without an issuer instead of pairing it with the development issuer', async (t) => {
  const env = { AUTH0_JWKS_URI: 'https://tenant.auth0.com/.well-known/jwks.json' }

  const message = configErrorOf(() => settingsFor(env, DEV_ISSUER_URL))

  t.match(message, /AUTH0_JWKS_URI/)
})

t.test('uses the development issuer only outside production and only when offered one', async (t) => {
  const settings = settingsFor({}, DEV_ISSUER_URL)

  t.equal(settings.devIssuer, true)
  t.equal(settings.issuer, DEV_ISSUER_URL)
  t.same(settings.audiences, ['https://api.example.test'])
  t.match(configErrorOf(() => settingsFor({})), /AUTH0_DOMAIN or AUTH0_ISSUER is required/)
})

t.test('writes the issuer with the trailing slash Auth0 puts in iss', async (t) => {
  const fromDomain = settingsFor({ ...PRODUCTION })
  const withoutSlash = settingsFor({ ...PRODUCTION, AUTH0_ISSUER: 'https://login.example.test' })
  const withSlash = settingsFor({ ...PRODUCTION, AUTH0_ISSUER: 'https://login.example.test/' })
  const withPath = settingsFor({ ...PRODUCTION, AUTH0_ISSUER: 'https://login.example.test/tenant' })

  t.equal(fromDomain.issuer, 'https://tenant.eu.auth0.com/')
  t.equal(fromDomain.jwksUri, 'https://tenant.eu.auth0.com/.well-known/jwks.json')
  t.equal(withoutSlash.issuer, 'https://login.example.test/')
  t.equal(withoutSlash.jwksUri, 'https://login.example.test/.well-known/jwks.json')
  t.equal(withSlash.jwksUri, 'https://login.example.test/.well-known/jwks.json')
  t.equal(withPath.jwksUri, 'https://login.example.test/tenant/.well-known/jwks.json')
})

t.test('takes the JWKS location from configuration when given', async (t) => {
  const settings = settingsFor({ ...PRODUCTION, AUTH0_JWKS_URI: 'https://keys.example.test/jwks.json' })

  t.equal(settings.jwksUri, 'https://keys.example.test/jwks.json')
  t.equal(settings.issuer, 'https://tenant.eu.auth0.com/')
})

t.test('reads a comma-separated list of audiences', async (t) => {
  const settings = settingsFor({ ...PRODUCTION, AUTH0_AUDIENCE: ' https://a.example.test , localhost,, ' })

  t.same(settings.audiences, ['https://a.example.test', 'localhost'])
})

t.test('allows only asymmetric algorithms, exactly as spelled', async (t) => {
  t.same(settingsFor({ ...PRODUCTION }).algorithms, ['RS256'])
  t.same(settingsFor({ ...PRODUCTION, AUTH0_ALGORITHMS: 'RS256, ES256' }).algorithms, ['RS256', 'ES256'])

  for (const algorithms of ['HS256', 'RS256,HS512', 'none', 'rs256', '', ' , ']) {
    const message = configErrorOf(() => settingsFor({ ...PRODUCTION, AUTH0_ALGORITHMS: algorithms }))

    t.match(message, 'AUTH0_ALGORITHMS', JSON.stringify(algorithms))
  }
})

t.test('defaults the clock tolerance to 5 s', async (t) => {
  t.equal(settingsFor({ ...PRODUCTION }).clockToleranceSec, 5)
})

interface Exit {
  code: number | null
  stderr: string
  stdout: string
}

function runServer (env: Record<string, string>): Promise<Exit> {
  // A fresh working directory, so no .env file of the checkout is read.
  const cwd = mkdtempSync(join(tmpdir(), 'config-test-'))
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), SERVER], {
    cwd,
    env: { PATH: process.env.PATH ?? '', FASTIFY_AUTOLOAD_TYPESCRIPT: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => { stdout += chunk })
  child.stderr.on('data', (chunk) => { stderr += chunk })

  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stderr, stdout })
    })
  })
}

t.test('the server process exits non-zero with one clear line on bad configuration', async (t) => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'abc' }, /PORT/],
    [{ NODE_ENV: 'production' }, /AUTH0_DOMAIN or AUTH0_ISSUER is required when NODE_ENV=production/],
    [{ ...PRODUCTION, AUTH0_AUDIENCE: '' }, /AUTH0_AUDIENCE/],
    [{ AUTH0_ALGORITHMS: 'HS256' }, /AUTH0_ALGORITHMS/]
  ]

  const exits = await Promise.all(cases.map(([env]) => runServer(env)))

  cases.forEach(([env, pattern], i) => {
    const exit = exits[i] as Exit
    const lines = exit.stderr.trim().split('\n')

    t.equal(exit.code, 1, JSON.stringify(env))
    t.equal(lines.length, 1, `one line: ${exit.stderr}`)
    t.match(lines[0], /^configuration error: /)
    t.match(lines[0], pattern)
    t.equal(exit.stdout, '', 'nothing else is printed')
  })
})
