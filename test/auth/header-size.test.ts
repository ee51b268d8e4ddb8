import t from 'tap'
import { connect, type AddressInfo } from 'node:net'
import { bearer, build } from '../helper.js'

// Node's HTTP parser enforces the header limit before Fastify sees the
// request, and app.inject bypasses the parser, so these tests listen on a
// real port and speak HTTP over a socket.

interface RawReply {
  statusLine: string
  text: string
}

function sendRaw (port: number, headers: Record<string, string>): Promise<RawReply> {
  const lines = ['GET /v1/me HTTP/1.1', 'Host: 127.0.0.1', 'Connection: close']
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`)

  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    const finish = () => {
      const text = Buffer.concat(chunks).toString('utf8')
      resolve({ statusLine: text.split('\r\n')[0] ?? '', text })
    }

    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('close', finish)
    // The server may close while a large header is still being written;
    // whatever it answered before that is in `chunks`.
    socket.on('error', () => {})
    socket.write(`${lines.join('\r\n')}\r\n\r\n`)
  })
}

function statusOf (reply: RawReply): number {
  return Number(reply.statusLine.split(' ')[1])
}

t.test('C14: header size', async (t) => {
  const { app, issuer } = await build(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo

  t.test('accepts a token carrying about 250 permissions', async (t) => {
    const permissions = ['read:documents']
    for (let i = 0; permissions.length < 250; i++) permissions.push(`perm:${String(i).padStart(3, '0')}:read`)
    const token = await issuer.sign({ claims: { permissions } })

    const reply = await sendRaw(port, bearer(token))

    t.equal(statusOf(reply), 200, reply.statusLine)
    t.comment(`token with ${permissions.length} permissions: ${token.length} bytes`)
  })

  t.test('answers an Authorization header of about 20 KiB with 431, then serves the next request', async (t) => {
    const huge = `Bearer ${'a'.repeat(20 * 1024)}`
    const token = await issuer.sign()

    const refused = await sendRaw(port, { authorization: huge })
    const next = await sendRaw(port, bearer(token))

    t.equal(statusOf(refused), 431, refused.statusLine)
    t.notMatch(refused.text, /aaaaaaaaaa/, 'the header is not echoed')
    t.equal(statusOf(next), 200, next.statusLine)
  })

  t.test('answers 20 parallel 64 KiB headers with 431 and stays up', async (t) => {
    const huge = `Bearer ${'b'.repeat(64 * 1024)}`
    const token = await issuer.sign()
    const rssBefore = process.memoryUsage().rss

    const replies = await Promise.all(Array.from({ length: 20 }, () => sendRaw(port, { authorization: huge })))
    const next = await sendRaw(port, bearer(token))
    const health = await sendRaw(port, {})
    const rssGrowthMiB = (process.memoryUsage().rss - rssBefore) / 1024 / 1024

    const answered = replies.filter((reply) => reply.statusLine !== '')
    t.ok(answered.length > 0, `${answered.length} of 20 got a status line before the server closed`)
    for (const reply of answered) t.equal(statusOf(reply), 431, reply.statusLine)
    t.equal(statusOf(next), 200, 'the process is still serving')
    t.equal(statusOf(health), 401)
    t.ok(rssGrowthMiB < 64, `RSS grew ${rssGrowthMiB.toFixed(1)} MiB`)
  })
})
