import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { build } from '../helper.js'

async function sendRaw (port: number, request: string): Promise<string> {
  const socket = connect(port, '127.0.0.1')
  let answer = ''
  socket.on('data', (chunk) => { answer += chunk.toString() })
  socket.write(request)
  await new Promise((resolve) => socket.on('close', resolve))
  return answer
}

t.test('a too long path segment gets 414 in the shared error shape without the path echoed', async (t) => {
  const { app } = await build(t)
  const longId = 'A'.repeat(3000)

  const response = await app.inject({ url: `/v1/documents/${longId}` })

  t.equal(response.statusCode, 414)
  t.same(Object.keys(response.json()).sort(), ['code', 'error', 'message', 'statusCode'])
  t.equal(response.json().code, 'REQUEST_INVALID_URL')
  t.equal(response.json().error, 'URI Too Long')
  t.notMatch(response.body, longId)
})

t.test('headers over the limit and broken HTTP get the shared error shape', async (t) => {
  const { app } = await build(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo

  const oversized = await sendRaw(port, `GET /v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'a'.repeat(20 * 1024)}\r\n\r\n`)
  const malformed = await sendRaw(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\u0001b\r\n\r\n')

  t.match(oversized, /^HTTP\/1\.1 431 /)
  t.same(JSON.parse(oversized.split('\r\n\r\n')[1] as string), {
    statusCode: 431,
    code: 'REQUEST_HEADERS_TOO_LARGE',
    error: 'Request Header Fields Too Large',
    message: 'The request headers exceed 16 KiB'
  })
  t.match(malformed, /^HTTP\/1\.1 400 /)
  t.equal(JSON.parse(malformed.split('\r\n\r\n')[1] as string).code, 'REQUEST_MALFORMED')
})
