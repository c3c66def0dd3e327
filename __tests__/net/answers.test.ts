// What the caller gets back from servers on loopback: only a 200 is streamed to a sink, a HEAD is
// never refused for the size of what a GET would bring, and the request goes where the proxy
// settings say, over the scheme its URL names.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { Agent as HttpAgent, createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { jsonObject, send, type RequestOptions } from '../../src/net/http.js'
import { DEFAULT_POLICY } from '../../src/net/retry.js'

const policy = { ...DEFAULT_POLICY, attempts: 2, baseMs: 10, capMs: 20, timeoutMs: 2000, deadlineMs: 5000 }
const names = ['http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY'] as const
const savedEnv = Object.fromEntries(names.map((n) => [n, process.env[n]]))

const closing: Array<() => void> = []
afterEach(() => {
  closing.splice(0).forEach((close) => close())
  names.forEach((n) => (savedEnv[n] === undefined ? delete process.env[n] : (process.env[n] = savedEnv[n])))
})

async function listen(server: Server, host = '127.0.0.1'): Promise<number> {
  const sockets = new Set<Socket>()
  server.on('connection', (s: Socket) => (sockets.add(s), s.on('close', () => sockets.delete(s))))
  await new Promise<void>((r) => server.listen(0, host, r))
  closing.push(() => (sockets.forEach((s) => s.destroy()), server.close()))
  return (server.address() as AddressInfo).port
}

const serve = async (handler: (req: IncomingMessage, res: ServerResponse) => void) =>
  `http://127.0.0.1:${await listen(createServer(handler))}`

/** A proxy that records each CONNECT line and refuses it. */
async function refusingProxy(): Promise<{ url: string; connects: string[] }> {
  const connects: string[] = []
  const proxy = createTcpServer((s) =>
    s.once('data', (d: Buffer) => (connects.push(d.toString().split('\r\n')[0]), s.end('HTTP/1.1 403 Forbidden\r\n\r\n'))),
  )
  return { url: `http://127.0.0.1:${await listen(proxy)}`, connects }
}

// A self-signed certificate (an EC key: made at once).
let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'self-signed-'))
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=registry']
  execFileSync('openssl', [...args, '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' })
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** An https server with a self-signed certificate: a TLS handshake with it fails, naming the certificate. */
async function selfSigned(host?: string): Promise<{ port: number; handshakes: () => number }> {
  const server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) =>
    res.end(),
  )
  let handshakes = 0
  server.on('connection', () => handshakes++)
  return { port: await listen(server, host), handshakes: () => handshakes }
}

const get = (url: string, opts: Partial<RequestOptions> = {}) => send({ method: 'GET', url }, { service: 'registry', policy, ...opts })

describe('a request', () => {
  it("names the action as its User-Agent, so a server's logs tell its requests apart", async () => {
    const agents: Array<string | undefined> = []
    const server = await serve((req, res) => (agents.push(req.headers['user-agent']), res.end('{}')))
    await get(`${server}/v2/`)
    expect(agents).toEqual(['setup-chainctl'])
  })
})

describe('a streamed download', () => {
  it("hands the sink a 200's body only: an error page comes back as the answer, never as the content", async () => {
    const page = '{"errors":[{"code":"MANIFEST_UNKNOWN"}]}'
    const registry = await serve((req, res) => {
      if (req.url === '/ok') return void res.end('manifest bytes')
      res.writeHead(404, { 'Content-Type': 'application/json' }).end(page)
    })
    const sunk: string[] = []
    const sink = async (body: NodeJS.ReadableStream) => {
      let all = ''
      for await (const chunk of body) all += String(chunk)
      sunk.push(all)
    }
    const missing = await get(`${registry}/missing`, { sink, maxBytes: 4 * 1024 * 1024 })
    expect([missing.status, missing.data.toString()]).toEqual([404, page])
    expect(sunk).toEqual([])
    const found = await get(`${registry}/ok`, { sink, maxBytes: 4 * 1024 * 1024 })
    expect([found.status, found.data.length]).toEqual([200, 0])
    expect(sunk).toEqual(['manifest bytes'])
  })

  it('is held to 1 MiB when no other limit is given', async () => {
    const registry = await serve((_req, res) => res.end(Buffer.alloc(1024 * 1024 + 1)))
    const sink = async (body: NodeJS.ReadableStream) => void (await body[Symbol.asyncIterator]().next())
    await expect(get(registry, { sink })).rejects.toThrow('registry answered HTTP 200 with a body over the 1 MiB limit; stopped reading it')
  })

  it('names a limit that is no whole number of MiB in bytes', async () => {
    const registry = await serve((_req, res) => res.end(Buffer.alloc(2000)))
    const sink = async () => undefined
    await expect(get(registry, { sink, maxBytes: 1000 })).rejects.toThrow(
      'registry answered HTTP 200 with a body over the 1000 bytes limit',
    )
  })
})

it('answers a HEAD whose Content-Length (the size a GET would bring) is over the cap with its status', async () => {
  const registry = await serve((_req, res) =>
    res.writeHead(200, { 'Content-Length': String(64 * 1024 * 1024), 'Docker-Content-Digest': 'sha256:1' }).end(),
  )
  const res = await send({ method: 'HEAD', url: `${registry}/v2/big/manifests/latest` }, { service: 'registry', policy })
  expect([res.status, res.headers['docker-content-digest']]).toEqual([200, 'sha256:1'])
})

it('answers a redirect with no Location as it is', async () => {
  let requests = 0
  const registry = await serve((_req, res) => (requests++, res.writeHead(302).end('moved')))
  const res = await get(registry)
  expect([res.status, res.data.toString(), requests]).toEqual([302, 'moved', 1])
})

describe('proxies', () => {
  it('asks the proxy for a tunnel to an IPv6 literal in brackets', async () => {
    const proxy = await refusingProxy()
    Object.assign(process.env, { https_proxy: proxy.url, no_proxy: '' })
    await expect(get('https://[2001:db8::1]/v2/')).rejects.toThrow('the proxy answered CONNECT with HTTP 403; not retried')
    expect(proxy.connects).toEqual(['CONNECT [2001:db8::1]:443 HTTP/1.1'])
  })

  it('goes around the proxy over TLS to an https host NO_PROXY names by its range', async () => {
    const proxy = await refusingProxy()
    const server = await selfSigned('127.0.0.2')
    Object.assign(process.env, { https_proxy: proxy.url, no_proxy: '127.0.0.0/8' })
    // http-client sends this IPv6 form of 127.0.0.2 through the proxy: only the range sends it direct.
    await expect(get(`https://[::ffff:127.0.0.2]:${server.port}/v2/`)).rejects.toThrow(/DEPTH_ZERO_SELF_SIGNED_CERT.*; not retried$/)
    expect([proxy.connects, server.handshakes()]).toEqual([[], 1])
  })
})

it('takes a keep-alive http agent for the plain http hops only: a redirect to https goes over TLS', async () => {
  const server = await selfSigned()
  const mirror = await serve((_req, res) => res.writeHead(302, { Location: `https://127.0.0.1:${server.port}/blob` }).end())
  const agent = new HttpAgent({ keepAlive: true })
  try {
    // The message is Node's own, after the code.
    await expect(get(mirror, { agent })).rejects.toThrow(
      /^registry request failed \(DEPTH_ZERO_SELF_SIGNED_CERT\): self-signed certificate\b.*; not retried$/,
    )
  } finally {
    agent.destroy()
  }
  expect(server.handshakes()).toBe(1)
})

describe('a status to retry whose page is cut short', () => {
  /** Headers, part of a chunked page, then `end` of the connection: a reset, or a chunk no parser reads. */
  const cut = (status: number, end: (socket: Socket) => void) => (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { 'Retry-After': '0', 'Content-Type': 'text/html' })
    res.write('<html>busy')
    setTimeout(() => end(res.socket!), 20)
  }

  it.each([
    ['a reset', (s: Socket) => s.destroy()],
    ['a garbled chunk', (s: Socket) => s.end('zz\r\n')],
  ])('is still a 429 after %s: Retry-After and the rate-limit schedule hold', async (_name, end) => {
    const sts = await serve(cut(429, end))
    const retries: string[] = []
    const rateLimit = { attempts: 2, baseMs: 1, capMs: 1, deadlineMs: 3000 }
    const res = await send(
      { method: 'GET', url: sts },
      { service: 'STS', policy: { ...policy, attempts: 5, rateLimit }, onRetry: (m) => retries.push(m) },
    )
    expect(res.status).toBe(429)
    expect(res.data.toString()).toBe('<html>busy')
    expect(retries).toEqual([expect.stringMatching(/^STS answered HTTP 429; retry 1\/1 in /)])
  })

  it('is still a 503 to retry after a garbled chunk, not a parse failure', async () => {
    let requests = 0
    const mirror = await serve((req, res) => (requests++, cut(503, (s) => s.end('zz\r\n'))(req, res)))
    const res = await get(mirror)
    expect([res.status, requests]).toEqual([503, 2])
  })
})

it('retries a 503 whose Content-Length is over the cap as a 503, keeping what fits', async () => {
  let requests = 0
  const mirror = await serve((_req, res) => {
    requests++
    res.writeHead(503, { 'Content-Length': String(64 * 1024 * 1024) }).write('down for maintenance')
    setTimeout(() => res.destroy(), 20)
  })
  const res = await get(mirror)
  expect([res.status, res.data.toString(), requests]).toEqual([503, 'down for maintenance', 2])
})

it('takes a body of exactly the cap, by its Content-Length and as it comes', async () => {
  const body = Buffer.alloc(1024 * 1024, 'j')
  const server = await serve((_req, res) => res.end(body))
  expect((await get(server)).data.equals(body)).toBe(true)
})

it.each([
  ['{"token":"t"}', { token: 't' }],
  ['{}', {}],
  ['[{"token":"t"}]', undefined],
  ['null', undefined],
  ['"t"', undefined],
  ['7', undefined],
  ['<html>', undefined],
])('reads %s as a JSON object: %j', (body, expected) => {
  expect(jsonObject(body)).toEqual(expected)
})
