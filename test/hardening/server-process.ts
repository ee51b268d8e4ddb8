import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '..', '..')
const LISTENING = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/
const START_TIMEOUT_MS = 30_000

export interface ServerProcess {
  child: ChildProcess
  stdout: string[]
  stderr: string[]
  /** Resolves with the exit code (or the signal name) once the process ends. */
  exited: Promise<number | string>
}

export interface SpawnOptions {
  env: Record<string, string>
  cwd: string
  /** Run the built output (dist/src/server.js) instead of the TypeScript source. */
  built?: boolean
  /** Where the built output is; dist/ by default. */
  builtDir?: string
}

/** Runs the real entry point in its own process, as `npm start` would. */
export function spawnServer (options: SpawnOptions): ServerProcess {
  const args = options.built
    ? [join(options.builtDir ?? join(ROOT, 'dist'), 'src', 'server.js')]
    : ['--import', import.meta.resolve('tsx'), join(ROOT, 'src', 'server.ts')]
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: {
      PATH: process.env.PATH ?? '',
      ...(options.built ? {} : { FASTIFY_AUTOLOAD_TYPESCRIPT: '1' }),
      HOST: '127.0.0.1',
      PORT: '0',
      ...options.env
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const server: ServerProcess = {
    child,
    stdout: [],
    stderr: [],
    exited: new Promise((resolve) => {
      child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'))
    })
  }
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => server.stdout.push(chunk))
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => server.stderr.push(chunk))
  return server
}

/** Waits for the "Server listening" log line and returns the port. */
export async function waitForPort (server: ServerProcess): Promise<number> {
  const deadline = Date.now() + START_TIMEOUT_MS

  while (Date.now() < deadline) {
    const match = LISTENING.exec(server.stdout.join(''))
    if (match) return Number(match[1])
    if (server.child.exitCode !== null) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`server did not start: ${server.stderr.join('')}${server.stdout.join('').slice(-2000)}`)
}

export function stopIfRunning (server: ServerProcess): void {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL')
}
