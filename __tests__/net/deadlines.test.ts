// Every attempt ends by its deadline, against servers and proxies on loopback that drip or stall
// (and the credential helper's two requests end by one deadline together).
import { createServer as createTcpServer, type Socket } from 'node:net'
import { HttpError } from '../../src/net/http.js'
import { issueToken } from '../../src/registry/credhelper.js'
import { drip, exchangeAt, failure, IDENTITY, misbehaving, policy, roomy, stall, track, useServers } from '../../test/misbehaving.ts'

useServers()

describe('one deadline per attempt', () => {
  it.each([
    ['drips one byte at a time', drip],
    ['stalls after the headers', stall],
  ])('ends an STS that %s, retrying it as a timed-out attempt', async (_name, handler) => {
    const sts = await misbehaving(handler)
    const retries: string[] = []
    const { err, ms } = await failure(exchangeAt(sts.url, { onRetry: (m) => retries.push(m) }))
    expect(err).toBeInstanceOf(HttpError)
    expect(err.message).toMatch(/^Chainguard STS request failed \(timed out\) after 2 attempt\(s\) in \d+\.\ds$/)
    expect(retries).toEqual([expect.stringMatching(/^Chainguard STS request failed \(timed out\); retry 1\/1 in 0\.0s$/)])
    // Two attempts of 300 ms: well over one. (The clock here starts after the first attempt has, and
    // on a loaded machine the gap is tens of ms.) The server never ends; the overall deadline is 30 s.
    expect(ms).toBeGreaterThanOrEqual(500)
    expect(ms).toBeLessThan(5000)
    expect(sts.requests).toBe(2)
    await sts.allClosed() // both connections were closed by the client
  })

  it('keeps the overall deadline: no attempt runs past it', async () => {
    const sts = await misbehaving(drip)
    const { err, ms } = await failure(exchangeAt(sts.url, { policy: { ...policy, attempts: 5, timeoutMs: 10_000, deadlineMs: 700 } }))
    expect(err.message).toMatch(/^Chainguard STS request failed \(timed out\) after 1 attempt\(s\) in \d+\.\ds$/)
    // The 700 ms left of the overall deadline, not the 10 s the attempt may have on its own.
    expect(ms).toBeGreaterThanOrEqual(690)
    expect(ms).toBeLessThan(2500)
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
      expect(ms).toBeLessThan(5000) // two attempts of 300 ms; the proxy never ends, the overall deadline is 30 s
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
      const { err } = await failure(exchangeAt('https://issuer.enforce.test', { policy: roomy }))
      expect(err).toBeInstanceOf(HttpError)
      expect(err.message).toMatch(message)
      expect(connects).toBe(attempts)
    })
  })
})

describe('the credential helper', () => {
  const settings = (issuer: string) => ({
    issuer,
    identity: IDENTITY,
    registry: 'cgr.dev',
    audience: 'issuer.enforce.dev',
    cacheFile: '/nonexistent',
  })
  const env = (oidc: string) => ({ ACTIONS_ID_TOKEN_REQUEST_URL: `${oidc}/token?x=1`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't' })

  it('gives its OIDC and STS requests one deadline together, so docker never waits longer', async () => {
    // The OIDC request takes 1 s of the 1.5 s the two have: the STS, which never answers, has the 0.5 s left.
    const oidc = await misbehaving((_req, res) => void setTimeout(() => res.end('{"value":"x.y.z"}'), 1000))
    const sts = await misbehaving(drip)
    const { err, ms } = await failure(
      issueToken(settings(sts.url), env(oidc.url), { policy: { ...policy, attempts: 5, timeoutMs: 10_000, deadlineMs: 1500 } }),
    )
    const timedOut = /^Chainguard STS request failed \(timed out\) after 1 attempt\(s\) in (\d+\.\d)s$/
    expect(err.message).toMatch(timedOut)
    expect(Number(timedOut.exec(err.message)?.[1])).toBeLessThan(1.5) // about 0.5 s; more on a loaded machine
    expect(ms).toBeGreaterThanOrEqual(1450)
    expect(ms).toBeLessThan(2500) // the STS had what the OIDC request left of 1.5 s, not 1.5 s of its own (1 + 1.5)
  })

  it("keeps that deadline when the STS rate limits: a 429 does not open the rate-limit schedule's longer one", async () => {
    const oidc = await misbehaving((_req, res) => void res.end('{"value":"x.y.z"}'))
    const sts = await misbehaving((_req, res) => void res.writeHead(429, { 'Retry-After': '0' }).end())
    // DEFAULT_POLICY scaled down: 700 ms for both requests, and a rate-limit schedule of 10 s (300 s in the action).
    const rateLimit = { attempts: 100, baseMs: 200, capMs: 200, deadlineMs: 10_000 }
    const { err, ms } = await failure(
      issueToken(settings(sts.url), env(oidc.url), { policy: { ...policy, attempts: 5, deadlineMs: 700, rateLimit } }),
    )
    expect(err.message).toMatch(/HTTP 429/)
    expect(ms).toBeLessThan(2500) // not the 10 s of the rate-limit schedule: docker waits on the helper
  })
})
