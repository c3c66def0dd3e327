// The image check as a user meets it, against a registry on loopback that answers each test's way:
// an image pinned by digest, a token endpoint that checks the login's credentials, the failing
// HEAD's causes (the tag-list probe tells a missing repository from a missing tag), an error body
// after a HEAD without digest, one denied image among good ones, and where the check goes by default.
import { jest } from '@jest/globals'
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createTcpServer, type AddressInfo } from 'node:net'
import { checkImages, ImageCheckError, type CheckOptions } from '../../src/images/check.js'
import { scopeGroups, type PullLogin } from '../../src/images/session.js'
import { parseReferences } from '../../src/images/reference.js'
import { DEFAULT_POLICY } from '../../src/net/retry.js'

const fast = { ...DEFAULT_POLICY, attempts: 2, baseMs: 10, capMs: 20, timeoutMs: 500, deadlineMs: 1500 }
const MANIFEST = Buffer.from('{"schemaVersion":2}')
const DIGEST = `sha256:${createHash('sha256').update(MANIFEST).digest('hex')}`
const BASIC = `Basic ${Buffer.from('_token:login-secret').toString('base64')}`

type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => void
let route: Route
let log: string[]
let accepts: string[]
let server: Server
let registry: string
let origin: string

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin)
    log.push(`${req.method} ${url.pathname}${url.search} ${req.headers.authorization ?? '-'}`)
    accepts.push(`${req.method} ${req.headers.accept}`)
    route(req, res, url)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  registry = `127.0.0.1:${(server.address() as AddressInfo).port}`
  origin = `http://${registry}`
})
afterAll(() => new Promise((resolve) => server.close(resolve)))
let printed: string[]
beforeEach(() => {
  log = []
  accepts = []
  printed = []
  jest.spyOn(process.stdout, 'write').mockImplementation((line) => (printed.push(String(line)), true)) // core.info's lines
})
afterEach(() => jest.restoreAllMocks())

/** A token registry: /token grants a token only to the login's own Basic credentials, as cgr.dev does. */
function tokenRegistry(manifest: Route): Route {
  return (req, res, url) => {
    if (url.pathname === '/v2/') return void res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="${origin}/token",service="t"` }).end()
    if (url.pathname === '/token') {
      if (req.headers.authorization !== BASIC) return void res.writeHead(401).end('{"errors":[{"code":"UNAUTHORIZED"}]}')
      return void res.writeHead(200).end('{"token":"pull-token-for-the-job"}')
    }
    if (req.headers.authorization !== 'Bearer pull-token-for-the-job') return void res.writeHead(401).end()
    manifest(req, res, url)
  }
}
const serves =
  (extra: Record<string, string> = { 'Docker-Content-Digest': DIGEST }): Route =>
  (_req, res) =>
    void res.writeHead(200, extra).end()

const login = (secret = 'login-secret'): PullLogin => ({ registry, identity: 'ab/cd', username: '_token', secret, pullToken: false })
const run = (list: string, secret?: string, opts: CheckOptions = {}) =>
  checkImages(parseReferences(list, registry), login(secret), {
    origin,
    policy: fast,
    mask: () => undefined,
    onRetry: () => undefined,
    ...opts,
  })
const failure = (list: string, secret?: string, opts?: CheckOptions) =>
  run(list, secret, opts).then(
    () => {
      throw new Error('the check passed')
    },
    (err: unknown) => {
      expect(err).toBeInstanceOf(ImageCheckError)
      return (err as Error).message.split('\n').slice(1)
    },
  )

it('passes an image pinned by the digest the registry serves, asking for it by digest', async () => {
  route = tokenRegistry(serves())
  expect(await run(`a/x@${DIGEST}`)).toEqual({ [`a/x@${DIGEST}`]: DIGEST })
  expect(log.at(-1)).toBe(`HEAD /v2/a/x/manifests/${DIGEST} Bearer pull-token-for-the-job`)
})

it('asks for every manifest type a pull takes, and logs each digest', async () => {
  route = tokenRegistry(serves())
  await run('a/x')
  expect(accepts.at(-1)).toBe(
    'HEAD application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, ' +
      'application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json',
  )
  expect(printed).toEqual([`Checking that 1 image(s) can be pulled from ${registry}\n`, `  a/x: ${DIGEST}\n`])
})

it('hashes the manifest when Docker-Content-Digest is not a digest alone', async () => {
  for (const header of [`${DIGEST}x`, `x${DIGEST}`]) {
    route = tokenRegistry((req, res) =>
      req.method === 'HEAD' ? void res.writeHead(200, { 'Docker-Content-Digest': header }).end() : void res.writeHead(200).end(MANIFEST),
    )
    expect(await run('a/x')).toEqual({ 'a/x': DIGEST })
    expect(log.at(-1)).toMatch(/^GET \/v2\/a\/x\/manifests\/latest /)
  }
})

it('reports a GET after a HEAD without digest that fails on the network as unreachable, not as too large', async () => {
  route = tokenRegistry((req, res) => (req.method === 'HEAD' ? void res.writeHead(200).end() : void req.socket.destroy()))
  expect(await failure('a/x')).toEqual([
    expect.stringMatching(new RegExp(`^ {2}a/x: registry unreachable: ${registry} request failed \\(ECONNRESET\\) after 2 attempt`)),
  ])
})

it("takes a 5xx to the shared token as the registry's outage, not as a reason to ask again", async () => {
  const own = tokenRegistry(serves())
  route = (req, res, url) =>
    url.pathname === '/token' && url.searchParams.getAll('scope').length > 1
      ? void res.writeHead(200).end('{"token":"shared"}')
      : req.headers.authorization === 'Bearer shared'
        ? void res.writeHead(500).end()
        : own(req, res, url)
  expect((await failure('a/x\nb/y'))[0]).toBe(`  a/x: registry unreachable: ${registry} answered HTTP 500 after retries`)
  expect(log.filter((l) => l.includes('pull-token-for-the-job'))).toEqual([])
})

it('fits as many scopes as 2000 characters hold in one token request, and no more', () => {
  // Each scope parameter is &scope=repository%3A<name>%3Apull: 27 characters and the name.
  const [a, b] = ['a'.repeat(973), 'b'.repeat(973)]
  expect(scopeGroups([a, b])).toEqual([[a, b]])
  expect(scopeGroups([a, `${b}b`])).toEqual([[a], [`${b}b`]])
})

it("sends the login's own credentials to a token endpoint that checks them, and says when they are refused", async () => {
  route = tokenRegistry(serves())
  expect(await run('a/x')).toEqual({ 'a/x': DIGEST })
  expect(log.filter((l) => l.startsWith('GET /token'))).toEqual([`GET /token?service=t&scope=repository%3Aa%2Fx%3Apull ${BASIC}`])
  log = []
  expect(await failure('a/x', 'revoked')).toEqual([
    `  a/x: token refused: ${registry} does not accept the Chainguard token of identity ab/cd (HTTP 401 UNAUTHORIZED): check that the identity still exists`,
  ])
  expect(log.filter((l) => l.startsWith('GET /token'))).toHaveLength(1) // one image: no shared token to try first
})

it('never reports an error body as the digest when a GET after a HEAD without digest fails', async () => {
  route = tokenRegistry((req, res) =>
    req.method === 'HEAD' ? void res.writeHead(200).end() : void res.writeHead(404).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}'),
  )
  expect(await failure('a/x')).toEqual([
    `  a/x: unexpected answer: ${registry} answered HTTP 404 to a GET after a HEAD without Docker-Content-Digest`,
  ])
})

it('checks every other image when one is denied: a denial is not an outage', async () => {
  route = tokenRegistry((_req, res, url) =>
    url.pathname.startsWith('/v2/a/denied/') ? void res.writeHead(403).end() : serves()(_req, res, url),
  )
  const lines = await failure('a/denied\na/x\na/y', undefined, { concurrency: 1 })
  expect(lines).toEqual([
    '  a/denied: denied: ab/cd may not pull a/denied (HTTP 403 DENIED): check that it has the registry.pull role in organization a, and that a is entitled to denied',
  ])
  expect(log.filter((l) => /^HEAD \/v2\/a\/[xy]\//.test(l))).toHaveLength(2)
})

describe('a HEAD that fails', () => {
  const head = (status: number, headers: Record<string, string> = {}, tags = 404): Route =>
    tokenRegistry((_req, res, url) => void res.writeHead(url.pathname.endsWith('/tags/list') ? tags : status, headers).end())

  it('401 invalid_token: the token itself is refused', async () => {
    route = head(401, { 'WWW-Authenticate': 'Bearer realm="x",error="invalid_token"' })
    expect(await failure('a/x')).toEqual([
      `  a/x: token refused: ${registry} does not accept the Chainguard token of identity ab/cd (HTTP 401 invalid_token): check that the identity still exists`,
    ])
  })

  it.each([
    [401, { 'WWW-Authenticate': 'Bearer realm="x",error="insufficient_scope"' }, 'HTTP 401 insufficient_scope'],
    [403, {}, 'HTTP 403 DENIED'],
  ])('%i without pull: the identity may not pull it', async (status, headers, what) => {
    route = head(status, headers)
    expect(await failure('a/x')).toEqual([
      `  a/x: denied: ab/cd may not pull a/x (${what}): check that it has the registry.pull role in organization a, and that a is entitled to x`,
    ])
  })

  it('404: the tag list, asked with the same token, tells a missing repository from a missing tag', async () => {
    route = head(404, {}, 404)
    expect(await failure('a/x:1')).toEqual([
      `  a/x:1: not found: no repository a/x on ${registry} (NAME_UNKNOWN): check the name, and that it has been added to organization a`,
    ])
    expect(log.at(-1)).toBe('GET /v2/a/x/tags/list?n=1 Bearer pull-token-for-the-job')
    route = head(404, {}, 200)
    expect(await failure('a/x:1')).toEqual([
      `  a/x:1: not found: a/x has no tag 1 (MANIFEST_UNKNOWN): check the tag; crane ls ${registry}/a/x lists its tags`,
    ])
    route = head(404, {}, 500)
    expect(await failure('a/x:1')).toEqual([
      `  a/x:1: not found: no such repository or tag on ${registry} (HTTP 404): check the name, and that it has been added to organization a`,
    ])
  })

  it('any status but 200 and 404 asks no tag list', async () => {
    route = head(400)
    expect(await failure('a/x')).toEqual([`  a/x: unexpected answer: ${registry} answered HTTP 400 for the manifest`])
    expect(log.filter((l) => l.includes('/tags/list'))).toEqual([])
  })
})

describe('a registry this check cannot speak to', () => {
  it.each([
    [401, 'Bearer service="t"', 'HTTP 401 with a bearer challenge'],
    [401, 'Negotiate', 'HTTP 401 with a negotiate challenge'],
    [403, `Bearer realm="http://127.0.0.1/token"`, 'HTTP 403 with a bearer challenge'],
    [404, '', 'HTTP 404 with no challenge'],
  ])('/v2/ answering %i %j', async (status, challenge, what) => {
    route = (_req, res) => void res.writeHead(status, challenge ? { 'WWW-Authenticate': challenge } : {}).end()
    expect(await failure('a/x')).toEqual([
      `  a/x: unexpected answer: ${registry}/v2/ answered ${what}: not a registry this check can speak to`,
    ])
  })

  it.each([
    ['no token', '{}'],
    ['an empty token', '{"token":""}'],
    ['a token that is not a string', '{"access_token":42}'],
    ['no JSON', 'token'],
  ])('a token endpoint answering 200 with %s', async (_what, body) => {
    route = (_req, res, url) =>
      url.pathname === '/token'
        ? void res.writeHead(200).end(body)
        : void res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="${origin}/token"` }).end()
    expect(await failure('a/x')).toEqual(['  a/x: unexpected answer: the token endpoint answered HTTP 200 without a token'])
  })
})

it('asks for a token without a service when the challenge names none', async () => {
  const withService = tokenRegistry(serves())
  route = (req, res, url) =>
    url.pathname === '/v2/'
      ? void res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="${origin}/token"` }).end()
      : withService(req, res, url)
  expect(await run('a/x')).toEqual({ 'a/x': DIGEST })
  expect(log.filter((l) => l.startsWith('GET /token'))).toEqual([`GET /token?scope=repository%3Aa%2Fx%3Apull ${BASIC}`])
})

it("asks again with the repository's own token when the shared one is answered 400", async () => {
  // A server may answer a header it will not take with 400: the own token, shorter, is taken.
  const own = tokenRegistry(serves())
  route = (req, res, url) =>
    url.pathname === '/token' && url.searchParams.getAll('scope').length > 1
      ? void res.writeHead(200).end('{"token":"shared"}')
      : req.headers.authorization === 'Bearer shared'
        ? void res.writeHead(400).end()
        : own(req, res, url)
  expect(await run('a/x\nb/y')).toEqual({ 'a/x': DIGEST, 'b/y': DIGEST })
})

it('sends the token request to an https realm on another host', async () => {
  const hellos: number[] = []
  const realm = createTcpServer((s) => s.once('data', (d: Buffer) => (hellos.push(d[0]), s.destroy())))
  await new Promise<void>((resolve) => realm.listen(0, '127.0.0.1', resolve))
  const realmUrl = `https://localhost:${(realm.address() as AddressInfo).port}/token`
  route = (_req, res) => void res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="${realmUrl}"` }).end()
  const [line] = await failure('a/x').finally(() => new Promise((resolve) => realm.close(resolve)))
  expect(line).toMatch(/^ {2}a\/x: registry unreachable: /)
  expect(hellos[0]).toBe(0x16) // a TLS handshake record: the ClientHello
})

it('speaks https to the registry logged in to when no origin is given', async () => {
  const hellos: number[] = []
  const tls = createTcpServer((s) => s.once('data', (d: Buffer) => (hellos.push(d[0]), s.destroy())))
  await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve))
  const at = `127.0.0.1:${(tls.address() as AddressInfo).port}`
  const checked = checkImages(
    parseReferences('a/x', at),
    { ...login(), registry: at },
    { policy: fast, mask: () => undefined, onRetry: () => undefined },
  )
  await expect(checked.finally(() => new Promise((resolve) => tls.close(resolve)))).rejects.toThrow(/registry unreachable/)
  expect(hellos[0]).toBe(0x16)
})
