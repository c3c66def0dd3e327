// Answers whose body is cut short, against servers on loopback: only a status to retry (429, 5xx)
// keeps its status when its page breaks off; a 200 cut short is never taken as the answer (a
// token or a chainctl binary missing its end), whether it is buffered or streamed to a sink.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { send, UnreachableError, type RequestOptions } from '../../src/net/http.js'
import { DEFAULT_POLICY } from '../../src/net/retry.js'
import { exchangeToken } from '../../src/token/sts.js'

const policy = { ...DEFAULT_POLICY, attempts: 2, baseMs: 1, capMs: 2, timeoutMs: 1000, deadlineMs: 5000, rateLimit: undefined }

const closing: Array<() => void> = []
afterEach(() => closing.splice(0).forEach((close) => close()))

/** A server that counts its requests. */
async function serve(
  handler: (req: IncomingMessage, res: ServerResponse, n: number) => void,
): Promise<{ url: string; requests: () => number }> {
  let requests = 0
  const sockets = new Set<Socket>()
  const server: Server = createServer((req, res) => handler(req, res, ++requests))
  server.on('connection', (s: Socket) => (sockets.add(s), s.on('close', () => sockets.delete(s))))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  closing.push(() => (sockets.forEach((s) => s.destroy()), server.close()))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests }
}

/** Headers and half the body, then the connection is cut: by Content-Length, or with chunks and no last chunk. */
const cut = (status: number, framing: 'length' | 'chunked') => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(status, framing === 'length' ? { 'Content-Length': '64' } : {})
  res.write('{"token":"eyJhbGciOi')
  setTimeout(() => res.socket?.destroy(), 20)
}

const get = (url: string, opts: Partial<RequestOptions> = {}) => send({ method: 'GET', url }, { service: 'STS', policy, ...opts })

describe('a 200 cut short', () => {
  it.each(['length', 'chunked'] as const)('is never the answer (%s): retried, then the service is unreachable', async (framing) => {
    const sts = await serve(cut(200, framing))
    await expect(get(sts.url)).rejects.toThrow(UnreachableError)
    expect(sts.requests()).toBe(2)
  })

  it('is retried, and the whole answer of the next attempt is taken', async () => {
    const sts = await serve((req, res, n) => (n === 1 ? cut(200, 'length')(req, res) : res.end('{"token":"whole"}')))
    expect((await get(sts.url)).data.toString()).toBe('{"token":"whole"}')
  })

  it('fails the sink streaming it: a binary missing its end is never kept', async () => {
    const mirror = await serve(cut(200, 'length'))
    const sunk: string[] = []
    const sink = async (body: NodeJS.ReadableStream) => {
      let all = ''
      for await (const chunk of body) all += String(chunk)
      sunk.push(all) // only a body read to its end
    }
    await expect(get(mirror.url, { sink, maxBytes: 1 << 20 })).rejects.toThrow(UnreachableError)
    expect([sunk, mirror.requests()]).toEqual([[], 2])
  })
})

describe('a status to retry', () => {
  it('whose page stalls after the headers ends with its attempt: the 429 comes back within the deadline', async () => {
    const sts = await serve((_req, res) => res.writeHead(429, { 'Retry-After': '0', 'Content-Length': '100' }).write('slow'))
    const started = Date.now()
    const res = await get(sts.url, { policy: { ...policy, attempts: 1 } })
    expect([res.status, res.data.toString()]).toEqual([429, 'slow'])
    expect(Date.now() - started).toBeLessThan(policy.timeoutMs + 500)
  })

  it.each([
    ['longer than the deadline', '86400'],
    ['a date a day away', new Date(Date.now() + 86_400_000).toUTCString()],
  ])('with a Retry-After %s is answered at once, not waited out', async (_what, retryAfter) => {
    const sts = await serve((_req, res) => res.writeHead(429, { 'Retry-After': retryAfter }).end())
    const started = Date.now()
    expect((await get(sts.url)).status).toBe(429)
    expect([sts.requests(), Date.now() - started < 500]).toEqual([1, true])
  })

  it.each(['-5', '1.5', 'soon', '0'])('with a Retry-After it cannot read (%s) waits its own backoff', async (retryAfter) => {
    const sts = await serve((_req, res) => res.writeHead(503, { 'Retry-After': retryAfter }).end())
    const retries: string[] = []
    expect((await get(sts.url, { onRetry: (m) => retries.push(m) })).status).toBe(503)
    expect(retries).toEqual([expect.stringMatching(/^STS answered HTTP 503; retry 1\/1 in 0\.0s$/)])
  })
})

describe('a refusal whose page is cut short', () => {
  // An auth failure is not retried, page or no page: the user learns which permission or subject to fix, not of an outage.
  it.each([401, 403])('is still the STS refusing the exchange with HTTP %i, asked once', async (status) => {
    const sts = await serve(cut(status, 'length'))
    const x = { issuer: sts.url, identity: 'org/id', audience: 'cgr.dev', idToken: 'a.b.c' }
    await expect(exchangeToken(x, { policy, mask: () => undefined })).rejects.toMatchObject({
      status,
      message: expect.stringMatching(new RegExp(`^Chainguard STS answered HTTP ${status} with an unexpected body`)),
    })
    expect(sts.requests()).toBe(1)
  })

  it('is still a 404 to the download: the release has no such file', async () => {
    const mirror = await serve(cut(404, 'chunked'))
    const res = await get(mirror.url, { sink: async () => undefined, maxBytes: 1 << 20 })
    expect([res.status, res.data.toString(), mirror.requests()]).toEqual([404, '{"token":"eyJhbGciOi', 1])
  })
})
