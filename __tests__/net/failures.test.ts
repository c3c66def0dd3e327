// The HTTP client against servers on loopback that fail in ways no retry mends, or that a
// redirect or a proxy setting must not lead astray: each is told apart, bounded, and not retried.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HttpError, send, UnreachableError, type RequestOptions } from '../../src/net/http.js'
import { DEFAULT_POLICY } from '../../src/net/retry.js'
import { exchangeToken } from '../../src/token/sts.js'
import { ensurePki } from '../../test/sandbox/pki.js'

const policy = { ...DEFAULT_POLICY, attempts: 3, baseMs: 10, capMs: 20, timeoutMs: 2000, deadlineMs: 5000 }

interface Served {
  url: string
  port: number
  requests: Array<{ method?: string; url?: string; body: string; headers: IncomingMessage['headers'] }>
  /** Bytes of body written, per request. */
  wrote: number[]
}

const closing: Array<() => void> = []
afterEach(() => closing.splice(0).forEach((close) => close()))

async function listen(server: Server | ReturnType<typeof createTcpServer>, host = '127.0.0.1'): Promise<number> {
  const sockets = new Set<Socket>()
  server.on('connection', (s: Socket) => (sockets.add(s), s.on('close', () => sockets.delete(s))))
  await new Promise<void>((r) => server.listen(0, host, r))
  closing.push(() => (sockets.forEach((s) => s.destroy()), server.close()))
  return (server.address() as AddressInfo).port
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse, s: Served) => void, host = '127.0.0.1'): Promise<Served> {
  const s: Served = { url: '', port: 0, requests: [], wrote: [] }
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d.toString()))
    req.on('end', () => {
      s.requests.push({ method: req.method, url: req.url, body, headers: req.headers })
      res.on('error', () => undefined)
      handler(req, res, s)
    })
  })
  s.port = await listen(server, host)
  s.url = `http://${host === '::' ? '[::ffff:127.0.0.1]' : host}:${s.port}`
  return s
}

const sendFrom = (url: string, opts: Partial<RequestOptions> = {}, headers: Record<string, string> = {}) =>
  send({ method: 'GET', url, headers }, { service: 'mirror', policy, ...opts })

async function failure(work: Promise<unknown>): Promise<Error> {
  return work.then(
    () => new Error('expected a failure'),
    (e: unknown) => e as Error,
  )
}

describe('a body cap on every status', () => {
  it('reads no more than 1 MiB of a 503 page, even where a 200 may bring 512 MiB, and retries the 503', async () => {
    const mirror = await serve((_req, res, s) => {
      res.writeHead(503, { 'Content-Type': 'text/html' })
      const i = s.wrote.push(0) - 1
      const chunk = Buffer.alloc(64 * 1024, 'x')
      const pump = () => {
        while (!res.destroyed && s.wrote[i] < 64 * 1024 * 1024) {
          s.wrote[i] += chunk.length
          if (!res.write(chunk)) return
        }
        if (!res.destroyed) res.end()
      }
      res.on('drain', pump)
      pump()
    })
    const sink = async () => undefined
    const res = await sendFrom(`${mirror.url}/chainctl`, { sink, maxBytes: 512 * 1024 * 1024 })
    expect(res.status).toBe(503)
    expect(res.data.length).toBeLessThanOrEqual(1024 * 1024)
    expect(mirror.requests).toHaveLength(3) // a 503 stays one to retry, whatever its page
    // What the kernel's buffers took beyond the cap, not 64 MiB each.
    for (const bytes of mirror.wrote) expect(bytes).toBeLessThan(12 * 1024 * 1024)
  })
})

describe('failures no retry can mend are not retried', () => {
  let dir: string
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'pki-'))))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it.each([
    ['a self-signed certificate', 'tokenKey', 'tokenCert', /DEPTH_ZERO_SELF_SIGNED_CERT/],
    ['a certificate of an unknown CA', 'tlsKey', 'tlsCert', /UNABLE_TO_VERIFY_LEAF_SIGNATURE/],
  ] as const)('%s', async (_name, key, cert, code) => {
    const pki = ensurePki(dir)
    let requests = 0
    const server = createHttpsServer({ key: readFileSync(pki[key]), cert: readFileSync(pki[cert]) }, (_req, res) => (requests++, res.end()))
    let handshakes = 0
    server.on('connection', () => handshakes++)
    const port = await listen(server)
    const retries: string[] = []
    const err = await failure(sendFrom(`https://127.0.0.1:${port}/`, { onRetry: (m) => retries.push(m) }))
    expect(err).toBeInstanceOf(HttpError)
    expect(err).not.toBeInstanceOf(UnreachableError)
    expect(err.message).toMatch(code)
    expect(err.message).toMatch(/; not retried$/)
    expect([handshakes, requests, retries]).toEqual([1, 0, []])
  })

  it('a header with a control character (ERR_INVALID_CHAR): nothing is sent', async () => {
    const server = await serve((_req, res) => res.end())
    const err = await failure(sendFrom(server.url, {}, { Authorization: 'Bearer a\u0001b' }))
    expect(err.message).toMatch(/^mirror request failed \(ERR_INVALID_CHAR\): .*; not retried$/)
    expect(err.message).not.toContain('a\u0001b')
    expect(server.requests).toHaveLength(0)
  })

  it('a redirect to a Location that is not a URL (ERR_INVALID_URL)', async () => {
    const server = await serve((_req, res) => res.writeHead(302, { Location: 'http://[bad' }).end())
    const err = await failure(sendFrom(server.url))
    expect(err.message).toMatch(/^mirror request failed \(ERR_INVALID_URL\)/)
    expect(server.requests).toHaveLength(1)
  })

  it('headers over the parser limit (HPE_HEADER_OVERFLOW)', async () => {
    let connections = 0
    const raw = createTcpServer((socket) => {
      connections++
      socket.on('error', () => undefined)
      socket.write(`HTTP/1.1 200 OK\r\nX-Pad: ${'a'.repeat(100 * 1024)}\r\n\r\n`)
    })
    const port = await listen(raw)
    const err = await failure(sendFrom(`http://127.0.0.1:${port}/`))
    expect(err.message).toMatch(/^mirror request failed \(HPE_HEADER_OVERFLOW\)/)
    expect(connections).toBe(1)
  })

  it('while a connection refused is still retried, and reported as unreachable', async () => {
    const server = await serve((_req, res) => res.end())
    closing.splice(0).forEach((close) => close())
    const err = await failure(sendFrom(server.url))
    expect(err).toBeInstanceOf(UnreachableError)
    expect(err.message).toMatch(/^mirror request failed \(ECONNREFUSED\) after 3 attempt\(s\)/)
  })
})

describe('redirects', () => {
  it.each([
    [
      'plain http on another host',
      'http://192.0.2.1/chainctl',
      /^mirror redirected from http to plain http on 192\.0\.2\.1; not followed$/,
    ],
    ['ftp', 'ftp://127.0.0.1/chainctl', /^mirror redirected to ftp: URL; not followed$/],
  ])('from an http loopback mirror, are not followed to %s', async (_name, location, message) => {
    const mirror = await serve((_req, res) => res.writeHead(302, { Location: location }).end())
    const err = await failure(sendFrom(mirror.url, { policy: { ...policy, timeoutMs: 300 } }))
    expect(err.message).toMatch(message)
    expect(mirror.requests).toHaveLength(1)
  })

  it('turn the STS POST into a GET without its body after a 303', async () => {
    const sts = await serve((req, res) => {
      if (req.url === '/sts/exchange') return void res.writeHead(303, { Location: '/sts/answer' }).end()
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"token":"t"}')
    })
    await exchangeToken({ issuer: sts.url, identity: 'id', audience: 'cgr.dev', idToken: 'x.y.z' }, { policy, mask: () => undefined })
    const [post, get] = sts.requests
    expect([post.method, post.body]).toEqual(['POST', 'aud=cgr.dev&identity=id'])
    expect([get.method, get.url, get.body, get.headers['content-type']]).toEqual(['GET', '/sts/answer', '', undefined])
  })

  it('never carry the STS form body to another origin with a 307', async () => {
    const elsewhere = await serve((_req, res) => res.end('{"token":"t"}'))
    const sts = await serve((_req, res) => res.writeHead(307, { Location: `${elsewhere.url}/sts/exchange` }).end())
    const err = await failure(
      exchangeToken({ issuer: sts.url, identity: 'id', audience: 'cgr.dev', idToken: 'x.y.z' }, { policy, mask: () => undefined }),
    )
    expect(err.message).toBe(`Chainguard STS redirected to another origin (${elsewhere.url}) with the request body; not followed`)
    expect(elsewhere.requests).toHaveLength(0)
  })
})

describe('NO_PROXY as Go reads it', () => {
  const names = ['http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY'] as const
  const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]))
  afterEach(() => names.forEach((n) => (saved[n] === undefined ? delete process.env[n] : (process.env[n] = saved[n]))))

  it('goes around the proxy for an address in a CIDR range', async () => {
    let connects = 0
    const proxied = createTcpServer((s) => (connects++, s.end('HTTP/1.1 502 Bad Gateway\r\n\r\n')))
    const proxyPort = await listen(proxied)
    Object.assign(process.env, { http_proxy: `http://127.0.0.1:${proxyPort}`, https_proxy: `http://127.0.0.1:${proxyPort}` })
    process.env.no_proxy = '192.0.2.0/24, 127.0.0.0/8'
    // An IPv4-mapped loopback address: http-client does not take it for loopback, so only NO_PROXY sends it direct.
    const target = await serve((_req, res) => res.end('direct'), '::')
    const res = await sendFrom(`${target.url}/x`)
    expect([res.status, res.data.toString(), connects]).toEqual([200, 'direct', 0])
  })
})
