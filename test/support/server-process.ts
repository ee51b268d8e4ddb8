import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const ROOT = join(import.meta.dirname, '..', '..')
const START_TIMEOUT_MS = 30_000
const LISTENING = 'Server listening at'

export interface RunningProcess {
  child: ChildProcess
  output (): string
  /** The exit code, or the signal's name, once the process has ended. */
  exited: Promise<number | string>
}

/** A port that was free a moment ago: the development issuer needs it known before start. */
export async function findFreePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

function baseEnv (env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', FASTIFY_AUTOLOAD_TYPESCRIPT: '1', ...env }
}

/** Runs a TypeScript entry point of this project in a process of its own. */
export function runScript (script: string, args: string[], env: Record<string, string>): RunningProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, script), ...args], {
    cwd: ROOT,
    env: baseEnv(env),
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })

  return {
    child,
    output: () => output,
    exited: new Promise((resolve) => {
      // 'close' comes after the output has been read to its end.
      child.on('close', (code, signal) => resolve(code ?? signal ?? 'unknown'))
    })
  }
}

/** Starts src/server.ts and waits until it listens. */
export async function startServer (env: Record<string, string>): Promise<RunningProcess> {
  const server = runScript('src/server.ts', [], env)
  const deadline = Date.now() + START_TIMEOUT_MS

  while (!server.output().includes(LISTENING)) {
    if (server.child.exitCode !== null || Date.now() > deadline) {
      server.child.kill('SIGKILL')
      throw new Error(`the server did not start:\n${server.output()}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return server
}

/** Sends SIGTERM and resolves with how long the process took to exit. */
export async function stopServer (server: RunningProcess): Promise<{ code: number | string, ms: number }> {
  const started = Date.now()
  server.child.kill('SIGTERM')
  const code = await server.exited
  return { code, ms: Date.now() - started }
}

export function killIfRunning (server: RunningProcess): void {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL')
}

/** Runs a script to its end and returns its exit code and output. */
export async function runToEnd (script: string, args: string[], env: Record<string, string>) {
  const run = runScript(script, args, env)
  const code = await run.exited
  return { code, output: run.output() }
}

/** The JSON log lines a process printed. */
export function logLines (output: string): Array<Record<string, unknown>> {
  return output.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>]
    } catch {
      return []
    }
  })
}

interface Tap {
  teardown (fn: () => unknown): void
}

export async function tempDir (t: Tap): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'api-process-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** A development set-up: no Auth0 tenant, data on disk under `dir`. */
export function devEnv (dir: string, port: number): Record<string, string> {
  return {
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dir,
    SURREAL_URL: `surrealkv://${dir}/db`,
    LOG_LEVEL: 'info'
  }
}

export async function getMe (port: number, token: string): Promise<{ status: number, body: any }> {
  const response = await fetch(`http://127.0.0.1:${port}/v1/me`, { headers: { authorization: `Bearer ${token}` } })
  return { status: response.status, body: await response.json() }
}

/** Kills the process when the test ends, should it still run. */
export function tracked (t: Tap, server: RunningProcess): RunningProcess {
  t.teardown(() => killIfRunning(server))
  return server
}
