// The HTTP clients against misbehaving servers and proxies on loopback: every attempt ends by its
// deadline, every body by its cap, and a cancelled request at once.
import { jest } from '@jest/globals'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { issueToken } from '../../src/registry/credhelper.js'
import { getIdToken } from '../../src/token/oidc.js'
import { exchangeToken } from '../../src/token/sts.js'
import { HttpError, send } from '../../src/net/http.js'
import { parseInputs } from '../../src/inputs.js'
import { fetchChainctl } from '../../src/chainctl/install.js'
import { DEFAULT_POLICY } from '../../src/net/retry.js'

const IDENTITY = '4cf15780a13a9b6576d8b357e6524554c8c12a18/a4ccb5bb6d0b8a38'
// Two attempts of 300 ms: a client without a whole-attempt deadline would never finish.
const policy = { ...DEFAULT_POLICY, attempts: 2, baseMs: 20, capMs: 50, timeoutMs: 300, deadlineMs: 3000 }
// For tests about something other than time: 300 ms per attempt runs out on a loaded machine
// (Stryker's instrumented code beside other jobs) and a retry would hide what they check.
const roomy = { ...policy, timeoutMs: 10_000 }
const noMask = () => undefined

interface Misbehaving {
  url: string
  requests: number
  /** Resolves once every connection the server took has been closed. */
  allClosed(): Promise<void>
}

const running: Array<() => Promise<void>> = []
afterEach(async () => void (await Promise.all(running.splice(0).map((close) => close()))))

/** A TCP server (the HTTP server's, or a bare one) that tracks its connections; closed after each test. */
async function track(server: Server, scheme = 'http'): Promise<Omit<Misbehaving, 'requests'>> {
  const open = new Set<Socket>()
  const closed: Array<Promise<void>> = []
  server.on('connection', (socket: Socket) => {
    open.add(socket)
    closed.push(new Promise((r) => socket.on('close', () => (open.delete(socket), r()))))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  running.push(() => new Promise((r) => (open.forEach((s) => s.destroy()), server.close(() => r()))))
  return {
    url: `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    allClosed: async () => void (await Promise.all(closed)),
  }
}

async function misbehaving(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Misbehaving> {
  const server = createServer((req, res) => {
    s.requests++
    res.on('error', () => undefined) // the client hangs up on purpose
    handler(req, res)
  })
  const s: Misbehaving = { requests: 0, ...(await track(server)) }
  return s
}

/** Writes `chunk` for as long as the client reads, up to `total` bytes (then ends), or forever. */
function stream(res: ServerResponse, chunk: Buffer, total = Infinity): void {
  let sent = 0
  const pump = () => {
    while (!res.destroyed && sent < total) {
      sent += chunk.length
      if (!res.write(chunk)) return
    }
    if (sent >= total) res.end()
  }
  res.on('drain', pump)
  pump()
}

/** Headers now, then one byte every 50 ms: every byte would reset an idle timer. */
const drip = (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'Content-Type': 'application/json' })
  res.write('{')
  const timer = setInterval(() => res.write(' '), 50)
  res.on('close', () => clearInterval(timer))
}

/** Headers and half a body, then silence on an open connection. */
const stall = (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'Content-Type': 'application/json' })
  res.write('{"tok')
}

const exchangeAt = (issuer: string, opts: Parameters<typeof exchangeToken>[1] = {}) =>
  exchangeToken({ issuer, identity: IDENTITY, audience: 'cgr.dev', idToken: 'x.y.z' }, { policy, mask: noMask, ...opts })

async function failure(work: Promise<unknown>): Promise<{ err: Error; ms: number }> {
  const started = Date.now()
  const err = await work.then(
    () => new Error('expected a failure'),
    (e: unknown) => e as Error,
  )
  return { err, ms: Date.now() - started }
}

describe('one deadline per attempt', () => {
  it.each([
    ['drips one byte at a time', drip],
    ['stalls after the headers', stall],
  ])('ends an STS that %s, retrying it as a timed-out attempt', async (_name, handler) => {
    const sts = await misbehaving(handler)
    const retries: string[] = []
    const { err, ms } = await failure(exchangeAt(sts.url, { onRetry: (m) => retries.push(m) }))
    expect(err).toBeInstanceOf(HttpError)
    expect(err.message).toMatch(/^Chainguard STS request failed \(timed out\) after 2 attempt\(s\) in 0\.\ds$/)
    expect(retries).toEqual([expect.stringMatching(/^Chainguard STS request failed \(timed out\); retry 1\/1 in 0\.0s$/)])
    // Two attempts of 300 ms: well over one. (The clock here starts after the first attempt has, and
    // on a loaded machine the gap is tens of ms.)
    expect(ms).toBeGreaterThanOrEqual(500)
    expect(ms).toBeLessThan(1500)
    expect(sts.requests).toBe(2)
    await sts.allClosed() // both connections were closed by the client
  })

  it('keeps the overall deadline: no attempt runs past it', async () => {
    const sts = await misbehaving(drip)
    const { err, ms } = await failure(exchangeAt(sts.url, { policy: { ...policy, attempts: 5, timeoutMs: 10_000, deadlineMs: 700 } }))
    expect(err.message).toMatch(/^Chainguard STS request failed \(timed out\) after 1 attempt\(s\) in 0\.7s$/)
    expect(ms).toBeLessThan(1200)
  })

  describe('through https_proxy', () => {
    const saved = { https_proxy: process.env.https_proxy, no_proxy: process.env.no_proxy }
    afterEach(() => Object.assign(process.env, saved))

    it.each([
      ['never answers CONNECT', () => undefined],
      ['opens the tunnel, then the TLS handshake goes silent', (s: Socket) => s.write('HTTP/1.1 200 Connection established\r\n\r\n')],
    ])('ends an attempt whose proxy %s, closing the proxy connection', async (_name, onConnect) => {
      const seen: string[] = []
      const proxy = await track(
        createTcpServer((s) => {
          s.once('data', (d: Buffer) => (seen.push(d.toString().split('\r\n')[0]), onConnect(s)))
          s.on('error', () => undefined)
        }),
      )
      Object.assign(process.env, { https_proxy: proxy.url, no_proxy: '' })
      const { err, ms } = await failure(exchangeAt('https://issuer.enforce.test'))
      expect(err.message).toMatch(/^Chainguard STS request failed \(timed out\) after 2 attempt\(s\)/)
      expect(ms).toBeLessThan(1500)
      expect(seen).toEqual(['CONNECT issuer.enforce.test:443 HTTP/1.1', 'CONNECT issuer.enforce.test:443 HTTP/1.1'])
      await proxy.allClosed() // nothing left holding the process open
    })

    it.each([
      ['407 Proxy Authentication Required', 1, /^Chainguard STS request failed: the proxy answered CONNECT with HTTP 407; not retried$/],
      ['502 Bad Gateway', 2, /^Chainguard STS request failed \(the proxy answered CONNECT with HTTP 502\) after 2 attempt\(s\)/],
    ])('names a proxy that answers CONNECT with %s, retrying only a 5xx', async (status, attempts, message) => {
      let connects = 0
      const proxy = await track(
        createTcpServer((s) => s.once('data', () => (connects++, s.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\n\r\n`)))),
      )
      Object.assign(process.env, { https_proxy: proxy.url, no_proxy: '' })
      const { err } = await failure(exchangeAt('https://issuer.enforce.test'))
      expect(err).toBeInstanceOf(HttpError)
      expect(err.message).toMatch(message)
      expect(connects).toBe(attempts)
    })
  })
})

describe('a cap on every body', () => {
  it('stops reading an endless 200 body at 1 MiB, without a retry', async () => {
    const sts = await misbehaving((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      stream(res, Buffer.alloc(64 * 1024, ' '))
    })
    const { err, ms } = await failure(exchangeAt(sts.url))
    expect(err).toBeInstanceOf(HttpError)
    expect(err.message).toBe('Chainguard STS answered HTTP 200 with a body over the 1 MiB limit; stopped reading it')
    expect(ms).toBeLessThan(1000)
    expect(sts.requests).toBe(1)
    await sts.allClosed()
  })

  // The refusal is the answer, the page within the cap kept: the STS's names what the identity must match.
  it.each([
    [
      'Chainguard STS',
      (url: string) => exchangeAt(url, { policy: roomy }),
      'with an unexpected body (text/html), not a grpc-gateway status',
    ],
    [
      'GitHub OIDC token endpoint',
      (url: string) =>
        getIdToken(
          'a',
          { ACTIONS_ID_TOKEN_REQUEST_URL: `${url}/token?x=1`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't' },
          { policy: roomy, mask: noMask },
        ),
      'without a token',
    ],
  ])('reads no more of a 512 MiB error body from the %s than the cap, in memory near the baseline', async (service, call, answer) => {
    const server = await misbehaving((_req, res) => {
      res.writeHead(403, { 'Content-Type': 'text/html' }) // chunked: no length to refuse up front
      stream(res, Buffer.alloc(64 * 1024, 'x'), 512 * 1024 * 1024)
    })
    const before = process.memoryUsage().rss
    const { err } = await failure(call(server.url))
    const grownMiB = (process.memoryUsage().rss - before) / 2 ** 20
    expect(err.message.startsWith(`${service} answered HTTP 403 ${answer}`)).toBe(true)
    expect(grownMiB).toBeLessThan(32)
    expect(server.requests).toBe(1)
    await server.allClosed()
  })

  it('refuses a body whose Content-Length is over the cap before reading it', async () => {
    let wrote = 0
    const server = await misbehaving((_req, res) => {
      res.writeHead(200, { 'Content-Length': String(600 * 1024 * 1024) })
      res.write(Buffer.alloc(1024))
      const timer = setInterval(() => (wrote++, res.write(Buffer.alloc(1024))), 20)
      res.on('close', () => clearInterval(timer))
    })
    let sunk = false
    const sink = async () => void (sunk = true)
    const { err, ms } = await failure(
      send({ method: 'GET', url: `${server.url}/chainctl` }, { service: 'chainctl download', policy, sink, maxBytes: 512 * 1024 * 1024 }),
    )
    expect(err.message).toBe('chainctl download answered HTTP 200 with a body over the 512 MiB limit; stopped reading it')
    expect(ms).toBeLessThan(200)
    expect(sunk).toBe(false)
    await server.allClosed()
    expect(wrote).toBeLessThan(5)
  })

  it('caps a streamed body as it arrives', async () => {
    const server = await misbehaving((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' })
      stream(res, Buffer.alloc(64 * 1024, 'b'), 8 * 1024 * 1024)
    })
    let received = 0
    const sink = async (body: NodeJS.ReadableStream) => {
      for await (const chunk of body) received += (chunk as Buffer).length
    }
    const { err } = await failure(
      send({ method: 'GET', url: server.url }, { service: 'chainctl download', policy: roomy, sink, maxBytes: 2 * 1024 * 1024 }),
    )
    expect(err.message).toBe('chainctl download answered HTTP 200 with a body over the 2 MiB limit; stopped reading it')
    expect(received).toBeLessThanOrEqual(2 * 1024 * 1024)
    expect(server.requests).toBe(1)
    await server.allClosed()
  })
})

describe('cancellation', () => {
  it('destroys the attempt in flight at once and does not retry', async () => {
    const sts = await misbehaving(drip)
    const cancel = new AbortController()
    setTimeout(() => cancel.abort(), 100)
    const { err, ms } = await failure(exchangeAt(sts.url, { signal: cancel.signal, policy: { ...policy, timeoutMs: 5000 } }))
    expect(err).toBeInstanceOf(HttpError)
    expect(err.message).toBe('Chainguard STS request was cancelled')
    expect(ms).toBeLessThan(400)
    expect(sts.requests).toBe(1)
    await sts.allClosed()
  })

  it('ends a backoff wait at once', async () => {
    const sts = await misbehaving((_req, res) => res.writeHead(503, { 'Retry-After': '5' }).end())
    const cancel = new AbortController()
    const onRetry = () => setTimeout(() => cancel.abort(), 50)
    const { err, ms } = await failure(exchangeAt(sts.url, { signal: cancel.signal, onRetry, policy: { ...policy, deadlineMs: 30_000 } }))
    expect(err.message).toBe('Chainguard STS request was cancelled')
    expect(ms).toBeLessThan(1000)
    expect(sts.requests).toBe(1)
  })

  it('sends nothing when already cancelled', async () => {
    const sts = await misbehaving(drip)
    const { err } = await failure(exchangeAt(sts.url, { signal: AbortSignal.abort() }))
    expect(err.message).toBe('Chainguard STS request was cancelled')
    expect(sts.requests).toBe(0)
  })
})

describe('the chainctl download', () => {
  const saved = { ...process.env }
  afterEach(() => (process.env = { ...saved }))

  /** Installs from `mirror` into a runner's fresh temp and tool-cache folders, which it hands to `check`. */
  async function install(
    mirror: Misbehaving,
    opts: Parameters<typeof fetchChainctl>[1],
    check: (err: Error, temp: string, cache: string) => void,
  ) {
    const temp = mkdtempSync(join(tmpdir(), 'bounds-temp-'))
    const cache = mkdtempSync(join(tmpdir(), 'bounds-cache-'))
    Object.assign(process.env, { RUNNER_OS: 'Linux', RUNNER_ARCH: 'X64', RUNNER_TEMP: temp, RUNNER_TOOL_CACHE: cache })
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true)
    try {
      const get = (name: string) => ({ identity: IDENTITY, version: '0.2.50', 'download-url': `${mirror.url}/chainctl` })[name] ?? ''
      check((await failure(fetchChainctl(parseInputs(get).chainctl, opts))).err, temp, cache)
    } finally {
      stdout.mockRestore()
      rmSync(temp, { recursive: true, force: true })
      rmSync(cache, { recursive: true, force: true })
    }
  }

  it('refuses a binary over 512 MiB by its Content-Length, leaving nothing staged or cached', async () => {
    const mirror = await misbehaving((req, res) => {
      if (req.url?.endsWith('chainctl_checksums.txt')) res.end(`${'0'.repeat(64)}  chainctl_linux_x86_64\n`)
      else res.writeHead(200, { 'Content-Length': String(513 * 1024 * 1024) }).write(Buffer.alloc(1024))
    })
    await install(mirror, { policy }, (err, temp, cache) => {
      expect(err.message).toBe('chainctl download answered HTTP 200 with a body over the 512 MiB limit; stopped reading it')
      expect(readdirSync(temp)).toEqual([])
      expect(readdirSync(cache)).toEqual([])
    })
    await mirror.allClosed()
  })

  it('stops downloading the binary once the checksums cannot be had: the step does not go on for minutes after its error', async () => {
    const mirror = await misbehaving((req, res) => {
      if (req.url?.endsWith('chainctl_checksums.txt')) return void setTimeout(() => res.writeHead(404).end(), 100)
      res.writeHead(200, { 'Content-Length': String(60 * 1024 * 1024) })
      const timer = setInterval(() => res.write(Buffer.alloc(1024)), 20) // a slow link
      res.on('close', () => clearInterval(timer))
    })
    await install(mirror, { policy: { ...policy, timeoutMs: 10_000, deadlineMs: 10_000 } }, (err, temp) => {
      expect(err.message).toBe(`Downloading ${mirror.url}/chainctl/0.2.50/chainctl_checksums.txt failed: HTTP 404`)
      expect(readdirSync(temp)).toEqual([])
    })
    const closed = await Promise.race([mirror.allClosed().then(() => true), sleep(1000).then(() => false)])
    expect(closed).toBe(true) // the binary's connection too, at once rather than at its 10 s deadline
  })
})

describe('the credential helper', () => {
  it('gives its OIDC and STS requests one deadline together, so docker never waits longer', async () => {
    const oidc = await misbehaving((_req, res) => void setTimeout(() => res.end('{"value":"x.y.z"}'), 400))
    const sts = await misbehaving(drip)
    const settings = { issuer: sts.url, identity: IDENTITY, registry: 'cgr.dev', audience: 'issuer.enforce.dev', cacheFile: '/nonexistent' }
    const env = { ACTIONS_ID_TOKEN_REQUEST_URL: `${oidc.url}/token?x=1`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't' }
    const { err, ms } = await failure(issueToken(settings, env, { policy: { ...policy, attempts: 5, timeoutMs: 1000, deadlineMs: 700 } }))
    expect(err.message).toMatch(/^Chainguard STS request failed \(timed out\) after 1 attempt\(s\) in 0\.[2-6]s$/) // about 0.3 s; more on a loaded machine
    expect(ms).toBeGreaterThanOrEqual(650)
    expect(ms).toBeLessThan(1050) // the STS had what the OIDC request left of 700 ms, not 700 ms of its own (400 + 700)
  })

  it("keeps that deadline when the STS rate limits: a 429 does not open the rate-limit schedule's longer one", async () => {
    const oidc = await misbehaving((_req, res) => void res.end('{"value":"x.y.z"}'))
    const sts = await misbehaving((_req, res) => void res.writeHead(429, { 'Retry-After': '0' }).end())
    const settings = { issuer: sts.url, identity: IDENTITY, registry: 'cgr.dev', audience: 'issuer.enforce.dev', cacheFile: '/nonexistent' }
    const env = { ACTIONS_ID_TOKEN_REQUEST_URL: `${oidc.url}/token?x=1`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't' }
    // DEFAULT_POLICY scaled down: 700 ms for both requests, and a rate-limit schedule of 3 s (300 s in the action).
    const rateLimit = { attempts: 100, baseMs: 200, capMs: 200, deadlineMs: 3000 }
    const { err, ms } = await failure(issueToken(settings, env, { policy: { ...policy, attempts: 5, deadlineMs: 700, rateLimit } }))
    expect(err.message).toMatch(/HTTP 429/)
    expect(ms).toBeLessThan(1000) // not the 3 s of the rate-limit schedule: docker waits on the helper
  })
})

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
      { service: 'mirror', policy },
    )
    expect(res.status).toBe(200)
    expect(res.data.toString()).toBe('{"version":"0.2.51"}')
    expect(Date.now() - started).toBeLessThan(300)
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
    expect((await send({ method: 'GET', url: loop.url }, { service: 'mirror', policy })).status).toBe(307)
    expect(loop.requests).toBe(6)
  })
})

describe('a lone job the STS rate limits', () => {
  it('waits Retry-After plus up to 45 s after one 429, under the default policy (the figures troubleshooting.md gives)', async () => {
    const sts = await misbehaving((_req, res) => void res.writeHead(429, { 'Retry-After': '1' }).end())
    jest.spyOn(Math, 'random').mockReturnValue(0.999) // the worst the jitter draws
    const cancel = new AbortController()
    const retries: string[] = []
    const onRetry = (m: string) => (retries.push(m), cancel.abort())
    try {
      await failure(send({ method: 'POST', url: sts.url, body: 'x' }, { service: 'Chainguard STS', onRetry, signal: cancel.signal }))
    } finally {
      jest.restoreAllMocks()
    }
    // 1 s the STS asked for, 45 s of jitter on top: a request the docs bounded at 30 s.
    expect(retries).toEqual(['Chainguard STS answered HTTP 429; retry 1/9 in 46.0s'])
  })
})

describe('a 429 whose page never ends', () => {
  it('is still a 429: its Retry-After and rate-limit schedule hold, not a timed-out attempt on the fault schedule', async () => {
    const sts = await misbehaving((_req, res) => {
      res.writeHead(429, { 'Retry-After': '0', 'Content-Type': 'text/html' })
      const timer = setInterval(() => res.write(' '), 50) // a page that drips past the attempt's deadline
      res.on('close', () => clearInterval(timer))
    })
    const retries: string[] = []
    const rateLimit = { attempts: 2, baseMs: 1, capMs: 1, deadlineMs: 3000 }
    const res = await send(
      { method: 'GET', url: sts.url },
      { service: 'STS', policy: { ...policy, rateLimit }, onRetry: (m) => retries.push(m) },
    )
    expect(res.status).toBe(429)
    expect(retries).toEqual([expect.stringMatching(/^STS answered HTTP 429; retry 1\/1 in /)])
  })
})
