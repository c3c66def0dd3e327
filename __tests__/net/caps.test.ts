// Every body ends by its cap, whatever its status, against servers on loopback that stream without
// end or announce too much; the chainctl download stops with the install's error.
import { jest } from '@jest/globals'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getIdToken } from '../../src/token/oidc.js'
import { HttpError, send } from '../../src/net/http.js'
import { parseInputs } from '../../src/inputs.js'
import { fetchChainctl } from '../../src/chainctl/install.js'
import { exchangeAt, failure, IDENTITY, misbehaving, noMask, roomy, stream, useServers, type Misbehaving } from '../../test/misbehaving.ts'

useServers()

describe('a cap on every body', () => {
  it('stops reading an endless 200 body at 1 MiB, without a retry', async () => {
    const sts = await misbehaving((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      stream(res, Buffer.alloc(64 * 1024, ' '))
    })
    const { err, ms } = await failure(exchangeAt(sts.url, { policy: roomy }))
    expect(err).toBeInstanceOf(HttpError)
    expect(err.message).toBe('Chainguard STS answered HTTP 200 with a body over the 1 MiB limit; stopped reading it')
    expect(ms).toBeLessThan(2500) // at the cap, long before the attempt's 10 s deadline
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
    const server = await misbehaving((_req, res) => {
      res.writeHead(200, { 'Content-Length': String(600 * 1024 * 1024) })
      res.write(Buffer.alloc(1024))
      const timer = setInterval(() => res.write(Buffer.alloc(1024)), 20) // hours to the end
      res.on('close', () => clearInterval(timer))
    })
    let sunk = false
    const sink = async () => void (sunk = true)
    const { err, ms } = await failure(
      send(
        { method: 'GET', url: `${server.url}/chainctl` },
        { service: 'chainctl download', policy: roomy, sink, maxBytes: 512 * 1024 * 1024 },
      ),
    )
    expect(err.message).toBe('chainctl download answered HTTP 200 with a body over the 512 MiB limit; stopped reading it')
    expect(ms).toBeLessThan(2500) // at the headers, long before the attempt's 10 s deadline
    expect(sunk).toBe(false)
    expect(await server.closedWithin(2500)).toBe(true) // by the client, at once
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
    await install(mirror, { policy: roomy }, (err, temp, cache) => {
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
    await install(mirror, { policy: { ...roomy, deadlineMs: 10_000 } }, (err, temp) => {
      expect(err.message).toBe(`Downloading ${mirror.url}/chainctl/0.2.50/chainctl_checksums.txt failed: HTTP 404`)
      expect(readdirSync(temp)).toEqual([])
    })
    expect(await mirror.closedWithin(2500)).toBe(true) // the binary's connection too, at once rather than at its 10 s deadline
  })
})
