// Which failures of an image check are the registry's outage (network errors, 429, 5xx, after
// retries: the images not yet started are not checked) and which are one image's answer.
import { jest } from '@jest/globals'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net'
import { checkImages, ImageCheckError } from '../../src/images/check.js'
import { parseReferences } from '../../src/images/reference.js'
import { DEFAULT_POLICY } from '../../src/net/retry.js'

const policy = { ...DEFAULT_POLICY, attempts: 2, baseMs: 10, capMs: 20, timeoutMs: 500, deadlineMs: 2000 }
const DIGEST = `sha256:${'a'.repeat(64)}`
const closing: Array<() => void> = []
afterEach(() => (closing.splice(0).forEach((close) => close()), jest.restoreAllMocks()))
beforeEach(() => jest.spyOn(process.stdout, 'write').mockImplementation(() => true))

async function listen(server: Server | ReturnType<typeof createServer>, host = '127.0.0.1'): Promise<number> {
  await new Promise<void>((r) => server.listen(0, host, r))
  closing.push(() => server.close())
  return (server.address() as AddressInfo).port
}

/** A registry without auth: `answer` decides a path's answer, else a manifest for every HEAD. */
async function registryAt(answer: (req: IncomingMessage, res: ServerResponse) => boolean, host = '127.0.0.1') {
  const log: string[] = []
  const server = createServer((req, res) => {
    log.push(`${req.method} ${req.url}`)
    if (answer(req, res)) return
    if (req.url === '/v2/') return void res.end('{}')
    res.writeHead(200, { 'Docker-Content-Digest': DIGEST, 'Content-Length': 2 }).end()
  })
  const port = await listen(server, host)
  const origin = host === '::' ? `http://[::ffff:127.0.0.1]:${port}` : `http://${host}:${port}`
  return { log, origin, registry: new URL(origin).host }
}

async function check(list: string, r: { origin: string; registry: string }): Promise<string> {
  const login = { registry: r.registry, identity: 'ab/cd', username: '_token', secret: 's', pullToken: false }
  const err = await checkImages(parseReferences(list, r.registry), login, {
    origin: r.origin,
    policy,
    concurrency: 1,
    onRetry: () => undefined,
  }).then(
    () => new Error('the check passed'),
    (e: unknown) => e as Error,
  )
  expect(err).toBeInstanceOf(ImageCheckError)
  return err.message
}

it('reads only the status of a tag list (a 2 MiB one is no outage), and checks every image', async () => {
  const r = await registryAt((req, res) => {
    if (req.url?.startsWith('/v2/a/missing/manifests/')) return (void res.writeHead(404).end(), true)
    if (req.url?.startsWith('/v2/a/missing/tags/list')) return (void res.end(Buffer.alloc(2 * 1024 * 1024, 'x')), true)
    return false
  })
  const lines = (await check('a/missing:1\na/b\na/c', r)).split('\n')
  expect(lines.slice(1)).toEqual([expect.stringMatching(/^ {2}a\/missing:1: not found: a\/missing has no tag 1 \(MANIFEST_UNKNOWN\)/)])
  expect(r.log.filter((l) => l.startsWith('HEAD'))).toHaveLength(3)
})

it("takes a redirect it will not follow as one image's unexpected answer, not an outage", async () => {
  const r = await registryAt((req, res) => {
    if (!req.url?.startsWith('/v2/a/moved/')) return false
    res.writeHead(302, { Location: 'http://192.0.2.1/v2/a/moved/manifests/latest' }).end()
    return true
  })
  const lines = (await check('a/moved\na/b', r)).split('\n')
  expect(lines.slice(1)).toEqual([
    `  a/moved: unexpected answer: ${r.registry} redirected from http to plain http on 192.0.2.1; not followed`,
  ])
  expect(r.log).toContain('HEAD /v2/a/b/manifests/latest')
})

describe('through a proxy', () => {
  const saved = { http_proxy: process.env.http_proxy, no_proxy: process.env.no_proxy }
  afterEach(() => Object.entries(saved).forEach(([k, v]) => (v === undefined ? delete process.env[k] : (process.env[k] = v))))

  it('takes a proxy that answers 407 as an answer for each image, not an outage', async () => {
    const proxy = createTcpServer((s) => s.end('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n'))
    process.env.http_proxy = `http://127.0.0.1:${await listen(proxy)}`
    delete process.env.no_proxy
    // An IPv4-mapped loopback address, which http-client sends through the proxy.
    const r = await registryAt(() => false, '::')
    const lines = (await check('a/x\na/y', r)).split('\n')
    expect(lines.slice(1)).toEqual(
      ['a/x', 'a/y'].map(
        (i) => `  ${i}: unexpected answer: ${r.registry} request failed: the proxy answered CONNECT with HTTP 407; not retried`,
      ),
    )
  })
})
