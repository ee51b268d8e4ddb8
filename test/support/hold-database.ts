// Opens a database in a process of its own and keeps it open until killed,
// so a test can meet a data directory locked by another process. Prints
// "ready", or the start-up error and exits with 1.
//   node --import tsx test/support/hold-database.ts surrealkv:///tmp/x/db [timeoutMs]
import { openConnection } from '../../src/db/connection.js'

const url = process.argv[2] as string
const connectTimeoutMs = Number(process.argv[3] ?? 10_000)

try {
  const db = await openConnection({ url, namespace: 'app', database: 'main', connectTimeoutMs })
  await db.query('DEFINE TABLE IF NOT EXISTS held SCHEMALESS').collect()
  process.stdout.write('ready\n')
  setInterval(() => {}, 60_000)
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`)
  process.exit(1)
}
