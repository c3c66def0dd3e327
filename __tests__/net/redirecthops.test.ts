// Redirects as the HTTP client follows them against servers on loopback: bodies unread,
// Authorization kept to its origin, five hops at most. (Where a redirect leads: redirect.test.ts.)
import { send } from '../../src/net/http.js'
import { misbehaving, roomy, stream, useServers } from '../../test/misbehaving.ts'

useServers()

describe('redirects', () => {
  it('are followed without reading their bodies, keeping Authorization on the same host', async () => {
    const auth: Array<string | undefined> = []
    const mirror = await misbehaving((req, res) => {
      auth.push(req.headers.authorization)
      if (req.url === '/final') return void res.end('{"version":"0.2.51"}')
      res.writeHead(302, { Location: `${mirror.url}/final` })
      stream(res, Buffer.alloc(64 * 1024, 'r')) // endless: http-client would buffer it whole
    })
    const started = Date.now()
    const res = await send(
      { method: 'GET', url: `${mirror.url}/latest`, headers: { Authorization: 'Bearer t' } },
      { service: 'mirror', policy: roomy },
    )
    expect(res.status).toBe(200)
    expect(res.data.toString()).toBe('{"version":"0.2.51"}')
    expect(Date.now() - started).toBeLessThan(2500) // not read to the attempt's 10 s deadline
    expect(auth).toEqual(['Bearer t', 'Bearer t'])
    await mirror.allClosed()
  })

  it('carry Authorization to no other origin: the same host on another port is another server', async () => {
    const auth: Array<string | undefined> = []
    const other = await misbehaving((req, res) => (auth.push(req.headers.authorization), res.end('{}')))
    const first = await misbehaving(
      (req, res) => (auth.push(req.headers.authorization), res.writeHead(302, { Location: `${other.url}/x` }).end()),
    )
    const res = await send({ method: 'GET', url: first.url, headers: { Authorization: 'Bearer t' } }, { service: 'mirror', policy: roomy })
    expect(res.status).toBe(200)
    expect(auth).toEqual(['Bearer t', undefined])
  })

  it('stop after five hops, answering with the last one', async () => {
    const loop = await misbehaving((_req, res) => res.writeHead(307, { Location: '/again' }).end())
    expect((await send({ method: 'GET', url: loop.url }, { service: 'mirror', policy: roomy })).status).toBe(307)
    expect(loop.requests).toBe(6)
  })
})
