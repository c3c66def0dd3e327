// A keep-alive agent (the image check's) serves the requests it can, and never takes the place of
// https_proxy's tunnel: behind a proxy, requests still go through it.
import { Agent as HttpsAgent } from 'node:https'
import { Agent as HttpAgent, createServer } from 'node:http'
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net'
import type { LookupFunction } from 'node:net'
import { send } from '../../src/net/http.js'
import { DEFAULT_POLICY } from '../../src/net/retry.js'

const policy = { ...DEFAULT_POLICY, attempts: 1, timeoutMs: 1000, deadlineMs: 1000 }
const saved = { https_proxy: process.env.https_proxy, http_proxy: process.env.http_proxy, no_proxy: process.env.no_proxy }
const servers: Server[] = []
afterEach(async () => {
  Object.assign(process.env, saved)
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))
})

async function listen<T extends Server>(server: T): Promise<string> {
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** Name lookups the agent makes itself: any means it connects to the host directly, around the proxy. */
const direct: string[] = []
const lookup: LookupFunction = (host, _opts, callback) => {
  direct.push(host)
  callback(new Error(`looked up ${host} directly`), '', 4)
}

it.each([
  ['https', new HttpsAgent({ keepAlive: true, lookup })],
  ['http', new HttpAgent({ keepAlive: true, lookup })],
])('sends an %s request with a keep-alive agent through the proxy', async (scheme, agent) => {
  direct.length = 0
  const connects: string[] = []
  // The proxy refuses the tunnel: the point is where the request went, not that it got through.
  const proxy = createTcpServer((s) =>
    s.once('data', (d: Buffer) => (connects.push(d.toString().split('\r\n')[0]), s.end('HTTP/1.1 403 Forbidden\r\n\r\n'))),
  )
  const at = `http://${await listen(proxy)}`
  Object.assign(process.env, { https_proxy: at, http_proxy: at, no_proxy: '' })
  const sent = send({ method: 'GET', url: `${scheme}://registry.example.test/v2/` }, { service: 'registry', policy, agent })
  await expect(sent).rejects.toThrow('registry request failed: the proxy answered CONNECT with HTTP 403; not retried')
  expect(connects).toEqual([`CONNECT registry.example.test:${scheme === 'https' ? 443 : 80} HTTP/1.1`])
  expect(direct).toEqual([])
  agent.destroy()
})

it('serves requests without a proxy on the one keep-alive connection', async () => {
  let connections = 0
  const server = createServer((_req, res) => res.end('ok')).on('connection', () => connections++)
  const at = await listen(server)
  const agent = new HttpAgent({ keepAlive: true })
  for (let i = 0; i < 3; i++)
    expect((await send({ method: 'GET', url: `http://${at}/` }, { service: 's', policy, agent })).status).toBe(200)
  expect(connections).toBe(1)
  agent.destroy()
})
