import { mkdir } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { Surreal, createRemoteEngines, type Engines } from 'surrealdb'
import { createNodeEngines } from '@surrealdb/node'
import { WebSocket as NodeWebSocket } from 'ws'

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

const ON_DISK_URL = /^(surrealkv|rocksdb)(\+versioned)?:\/\/([^?]+)(\?.*)?$/

export function isEmbedded (url: string): boolean {
  return /^(mem|surrealkv|rocksdb)(\+versioned)?:\/\//.test(url)
}

// Limitation: once a table has an index, the embedded engine keeps an
// on-disk database open, and its LOCK held, after close() until the process
// ends; opening the same path again would then wait for ever. A closed
// on-disk connection is therefore kept and handed to the next
// openConnection() of the same path in this process (tests, hot reload).
const released = new Map<string, Surreal>()
const inUse = new Map<Surreal, string>()

/** Identifies an on-disk store; surrealkv://rel is relative to the working directory. */
export function findStoreKey (url: string): string | undefined {
  const match = ON_DISK_URL.exec(url)
  if (!match) return undefined
  return `${match[1]}${match[2] ?? ''}://${resolve(match[3] as string)}${match[4] ?? ''}`
}

// The parent folder has to exist before the engine can create its files.
async function prepareDataDirectory (url: string): Promise<void> {
  const match = ON_DISK_URL.exec(url)
  if (match) await mkdir(dirname(resolve(match[3] as string)), { recursive: true })
}

function withTimeout<T> (work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new DatabaseStartupError(message)), ms)
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

// The SDK never hears about an embedded engine that fails to open (a locked
// directory, say): connect() waits for ever. The engine itself does report
// it, so each one is watched and the first error rejects at once.
function buildWatchedEngines (): { engines: Engines, failed: Promise<never> } {
  let fail: (err: Error) => void = () => {}
  const failed = new Promise<never>((_resolve, reject) => { fail = reject })
  const engines: Engines = { ...createRemoteEngines() }

  for (const [scheme, factory] of Object.entries(createNodeEngines())) {
    engines[scheme] = (context) => {
      const engine = factory(context)
      engine.subscribe('error', (err) => fail(err))
      return engine
    }
  }

  failed.catch(() => {})
  return { engines, failed }
}

function describeOpenError (err: Error): string {
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : ''
  return `${err.message}${cause}`
}

// The SDK talks to a server through the global WebSocket, which Node.js
// has only from version 22 on; on 20 the `ws` package stands in for it.
const WEBSOCKET_IMPL = (globalThis.WebSocket ?? NodeWebSocket) as unknown as typeof WebSocket

async function connect (settings: ConnectionSettings): Promise<Surreal> {
  await prepareDataDirectory(settings.url)

  const { engines, failed } = buildWatchedEngines()
  const db = new Surreal({ engines, websocketImpl: WEBSOCKET_IMPL })
  const url = redactUrl(settings.url)
  const hint = isEmbedded(settings.url)
    ? 'is another process using the same data directory?'
    : 'is the SurrealDB server running and reachable?'

  try {
    await withTimeout(
      Promise.race([db.connect(settings.url, { reconnect: !isEmbedded(settings.url) }), failed]),
      settings.connectTimeoutMs,
      `SurrealDB at ${url} did not open within ${settings.connectTimeoutMs} ms: ${hint}`
    )
  } catch (err) {
    db.close().catch(() => {})
    if (err instanceof DatabaseStartupError) throw err
    throw new DatabaseStartupError(`SurrealDB at ${url} failed to open: ${describeOpenError(err as Error)} (${hint})`)
  }
  return db
}

// The credentials are not given to connect(): the SDK would reuse them to
// renew any session whose token expires, which would turn an expired user
// session into a system session.
async function prepareSystemSession (db: Surreal, settings: ConnectionSettings): Promise<void> {
  try {
    if (settings.username !== undefined && settings.password !== undefined) {
      await db.signin({ username: settings.username, password: settings.password })
    }
    await db.use({ namespace: settings.namespace, database: settings.database })
  } catch (err) {
    await db.close().catch(() => {})
    throw new DatabaseStartupError(`SurrealDB at ${redactUrl(settings.url)} failed to open: ${(err as Error).message}`)
  }
}

function takeReleased (key: string | undefined): Surreal | undefined {
  if (key === undefined) return undefined
  const db = released.get(key)
  released.delete(key)
  return db?.status === 'connected' ? db : undefined
}

/**
 * Opens the one connection the process keeps. Its default session acts as
 * the system (root on the embedded engine) and is used only for migrations
 * and health checks; request data goes through per-user sessions.
 */
export async function openConnection (settings: ConnectionSettings): Promise<Surreal> {
  const key = findStoreKey(settings.url)
  if (key !== undefined && [...inUse.values()].includes(key)) {
    throw new DatabaseStartupError(`SurrealDB at ${redactUrl(settings.url)} is already open in this process`)
  }

  const db = takeReleased(key) ?? await connect(settings)
  await prepareSystemSession(db, settings)
  if (key !== undefined) inUse.set(db, key)
  return db
}

/** Closes a connection from openConnection(); an on-disk one is kept for reuse (see above). */
export async function closeConnection (db: Surreal): Promise<void> {
  const key = inUse.get(db)
  inUse.delete(db)

  if (key === undefined || db.status !== 'connected') {
    await db.close()
    return
  }
  try {
    await db.reset()
    released.set(key, db)
  } catch {
    await db.close()
  }
}

export function redactUrl (url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@')
}
