import { mkdir } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { Surreal, createRemoteEngines } from 'surrealdb'
import { createNodeEngines } from '@surrealdb/node'

export interface ConnectionSettings {
  url: string
  namespace: string
  database: string
  username?: string
  password?: string
  connectTimeoutMs: number
}

export class DatabaseStartupError extends Error {
  override name = 'DatabaseStartupError'
}

export function isEmbedded (url: string): boolean {
  return /^(mem|surrealkv|rocksdb):\/\//.test(url)
}

// surrealkv://data/db is relative to the working directory; the parent
// folder has to exist before the engine can create its files there.
async function prepareDataDirectory (url: string): Promise<void> {
  const match = /^(surrealkv|rocksdb):\/\/(.+)$/.exec(url)
  if (match?.[2]) await mkdir(dirname(resolve(match[2].split('?')[0] as string)), { recursive: true })
}

function withTimeout<T> (work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new DatabaseStartupError(message)), ms)
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

/**
 * Opens the one connection the process keeps. Its default session acts as
 * the system (root on the embedded engine) and is used only for migrations
 * and health checks; request data goes through per-user sessions.
 */
export async function openConnection (settings: ConnectionSettings): Promise<Surreal> {
  await prepareDataDirectory(settings.url)

  const db = new Surreal({
    engines: { ...createNodeEngines(), ...createRemoteEngines() }
  })

  // The embedded engine never reports a locked data directory; it waits for
  // ever. The deadline turns that into an error a person can act on.
  const hint = isEmbedded(settings.url)
    ? 'is another process using the same data directory?'
    : 'is the SurrealDB server running and reachable?'

  try {
    await withTimeout(
      db.connect(settings.url, { reconnect: !isEmbedded(settings.url) }),
      settings.connectTimeoutMs,
      `SurrealDB at ${redactUrl(settings.url)} did not open within ${settings.connectTimeoutMs} ms: ${hint}`
    )
    await signInSystemUser(db, settings)
    await db.use({ namespace: settings.namespace, database: settings.database })
  } catch (err) {
    db.close().catch(() => {})
    if (err instanceof DatabaseStartupError) throw err
    throw new DatabaseStartupError(`SurrealDB at ${redactUrl(settings.url)} failed to open: ${(err as Error).message}`)
  }

  return db
}

// The credentials are not given to connect(): the SDK would reuse them to
// renew any session whose token expires, which would turn an expired user
// session into a system session.
async function signInSystemUser (db: Surreal, settings: ConnectionSettings): Promise<void> {
  if (settings.username === undefined || settings.password === undefined) return
  await db.signin({ username: settings.username, password: settings.password })
}

export function redactUrl (url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@')
}
