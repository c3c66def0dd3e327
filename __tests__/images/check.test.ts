// The image check client against a small registry on loopback: the answers the sandbox's real
// registry never gives (Basic auth, no auth, no Docker-Content-Digest, outages) and the request counts.
import { jest } from '@jest/globals'
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { checkImages, ImageCheckError, type CheckOptions } from '../../src/images/check.js'
import { MANIFEST_TYPES, scopeGroups, type PullLogin } from '../../src/images/session.js'
import { parseReferences } from '../../src/images/reference.js'
import { DEFAULT_POLICY } from '../../src/net/retry.js'

const fast = { ...DEFAULT_POLICY, baseMs: 10, capMs: 50, timeoutMs: 1000, deadlineMs: 3000 }
const MANIFEST = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}')
const DIGEST = `sha256:${createHash('sha256').update(MANIFEST).digest('hex')}`

interface Stub {
  /** How /v2/ challenges: a WWW-Authenticate value, or '' for none (200). */
  challenge: string
  /** Send Docker-Content-Digest on HEAD. */
  digestHeader: boolean
  manifest: Buffer
  /** Statuses to answer the next requests with, before the normal answers. */
  faults: number[]
  /** Hold each HEAD this long. */
  delayMs: number
  /** Never answer a HEAD. */
  silent: boolean
  /** The repositories /token grants pull of, of those asked; a number: the status it answers instead. */
  grant: (repositories: string[]) => string[] | number
  /** TCP connections accepted. */
  connections: number
  /** How a token without pull of the repository is answered: 401 insufficient_scope, or 404 by a registry that hides repositories. */
  unscoped: 401 | 404
  /** The longest Authorization header taken; a longer one is answered 431, as servers do. */
  maxAuthorization: number
  log: string[]
  inFlight: number
  maxInFlight: number
}

let server: Server
let origin: string
let stub: Stub
let registry: string

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', origin)
  stub.log.push(`${req.method} ${url.pathname}${url.search} ${req.headers.authorization?.split(' ')[0] ?? '-'}`)
  const fault = stub.faults.shift()
  if (fault) return void res.writeHead(fault).end()
  if (url.pathname === '/v2/') {
    if (!stub.challenge) return void res.writeHead(200).end('{}')
    return void res.writeHead(401, { 'WWW-Authenticate': stub.challenge }).end()
  }
  if (url.pathname === '/token') {
    const granted = stub.grant(url.searchParams.getAll('scope').map((scope) => scope.split(':')[1]))
    if (typeof granted === 'number') return void res.writeHead(granted).end()
    return void res
      .writeHead(200, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ access_token: `registry-token:${granted}` }))
  }
  if ((req.headers.authorization ?? '').length > stub.maxAuthorization) return void res.writeHead(431).end()
  // As a token registry answers a token without pull of the repository.
  const repository = /^\/v2\/(.+)\/(?:manifests|tags)\//.exec(url.pathname)?.[1] ?? ''
  const bearer = /^Bearer registry-token:(.*)$/.exec(req.headers.authorization ?? '')
  if (bearer && !bearer[1].split(',').includes(repository)) {
    if (stub.unscoped === 404) return void res.writeHead(404).end()
    return void res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="${origin}/token",error="insufficient_scope"` }).end()
  }
  if (req.method === 'HEAD') {
    if (stub.silent) return
    stub.inFlight++
    stub.maxInFlight = Math.max(stub.maxInFlight, stub.inFlight)
    setTimeout(() => {
      stub.inFlight--
      // As distribution answers: the manifest's length, which also lets the connection serve again.
      res
        .writeHead(200, { 'Content-Length': stub.manifest.length, ...(stub.digestHeader ? { 'Docker-Content-Digest': DIGEST } : {}) })
        .end()
    }, stub.delayMs)
    return
  }
  res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }).end(stub.manifest)
}

beforeAll(async () => {
  server = createServer(handle).on('connection', () => stub.connections++)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  registry = `127.0.0.1:${(server.address() as AddressInfo).port}`
  origin = `http://${registry}`
})
afterAll(() => {
  server.closeAllConnections() // the requests a silent registry never answered
  return new Promise((resolve) => server.close(resolve))
})
afterEach(() => jest.restoreAllMocks())
beforeEach(() => {
  masked.length = 0 // what each test asserts was masked or retried, it did itself
  retries.length = 0
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true) // core.info's lines
  stub = {
    challenge: `Bearer realm="${origin}/token",service="test"`,
    digestHeader: true,
    manifest: MANIFEST,
    faults: [],
    delayMs: 0,
    silent: false,
    grant: (repositories) => repositories,
    connections: 0,
    maxAuthorization: Infinity,
    unscoped: 401,
    log: [],
    inFlight: 0,
    maxInFlight: 0,
  }
})

const login = (): PullLogin => ({ registry, identity: 'ab/cd', username: '_token', secret: 'login-secret', pullToken: false })
const masked: string[] = []
const retries: string[] = []
const run = (list: string, opts: CheckOptions = {}) =>
  checkImages(parseReferences(list, registry), login(), {
    origin,
    policy: fast,
    mask: (s) => masked.push(s),
    onRetry: (m) => retries.push(m),
    ...opts,
  })
const failure = (list: string, opts: CheckOptions = {}) =>
  run(list, opts).then(
    () => {
      throw new Error('the check passed')
    },
    (err: unknown) => {
      expect(err).toBeInstanceOf(ImageCheckError)
      return (err as Error).message
    },
  )

it("asks for the challenge once, one token for every repository's pull scope, and HEADs every manifest", async () => {
  const digests = await run('a/x:1\na/x:2\nb/y')
  expect(digests).toEqual({ 'a/x:1': DIGEST, 'a/x:2': DIGEST, 'b/y': DIGEST })
  expect(stub.log.filter((l) => l.startsWith('GET /v2/ '))).toHaveLength(1)
  expect(stub.log.filter((l) => l.startsWith('GET /token'))).toEqual([
    'GET /token?service=test&scope=repository%3Aa%2Fx%3Apull&scope=repository%3Ab%2Fy%3Apull Basic',
  ])
  expect(stub.log.filter((l) => l.startsWith('HEAD')).sort()).toEqual([
    'HEAD /v2/a/x/manifests/1 Bearer',
    'HEAD /v2/a/x/manifests/2 Bearer',
    'HEAD /v2/b/y/manifests/latest Bearer',
  ])
  expect(masked).toContain('registry-token:a/x,b/y')
  expect(MANIFEST_TYPES.split(', ')).toHaveLength(4)
})

it('gives a repository the shared token does not open a token of its own, as a pull of it asks', async () => {
  stub.grant = (repositories) => (repositories.length > 1 ? repositories.slice(0, 1) : repositories)
  expect(await run('a/x\nb/y:1\nb/y:2\nc/z')).toEqual({ 'a/x': DIGEST, 'b/y:1': DIGEST, 'b/y:2': DIGEST, 'c/z': DIGEST })
  const tokens = stub.log.filter((l) => l.startsWith('GET /token')).map((l) => l.split(' ')[1])
  expect(tokens[0]).toBe(
    '/token?service=test&scope=repository%3Aa%2Fx%3Apull&scope=repository%3Ab%2Fy%3Apull&scope=repository%3Ac%2Fz%3Apull',
  )
  expect(tokens.slice(1).sort()).toEqual([
    '/token?service=test&scope=repository%3Ab%2Fy%3Apull',
    '/token?service=test&scope=repository%3Ac%2Fz%3Apull',
  ])
  expect(masked).toEqual(expect.arrayContaining(['registry-token:a/x', 'registry-token:b/y', 'registry-token:c/z']))
})

it("asks again with the repository's own token when the registry answers the shared one with any other 4xx", async () => {
  // A token for many repositories is long: a server may refuse the header before it reads it.
  stub.maxAuthorization = 200
  const images = Array.from({ length: 12 }, (_, i) => `acme.com/image-${i}`)
  expect(Object.keys(await run(images.join('\n')))).toEqual(images)
  expect(stub.log.filter((l) => l.startsWith('GET /token'))).toHaveLength(13)
  // A registry that answers 404 for a repository the token does not open.
  stub.maxAuthorization = Infinity
  stub.unscoped = 404
  stub.grant = (repositories) => (repositories.length > 1 ? repositories.slice(1) : repositories)
  expect(await run('a/x\nb/y')).toEqual({ 'a/x': DIGEST, 'b/y': DIGEST })
})

it('asks per repository when the registry will not give one token for several, and fails each as its own', async () => {
  stub.grant = (repositories) => (repositories.length > 1 ? 400 : repositories[0] === 'd/w' ? 403 : repositories)
  const message = await failure('a/x\nd/w')
  expect(message.split('\n')).toEqual([
    `1 of 2 image(s) cannot be pulled from ${registry} as ab/cd:`,
    expect.stringMatching(/^ {2}d\/w: denied: ab\/cd may not pull d\/w \(HTTP 403\)/),
  ])
  expect(stub.log.filter((l) => l.startsWith('GET /token'))).toHaveLength(3)
})

it("takes a token endpoint outage as every image's: no token request per repository after it", async () => {
  stub.grant = () => 503
  const message = await failure('a/x\nb/y\nc/z')
  expect(message.split('\n').slice(1)).toEqual(
    ['a/x', 'b/y', 'c/z'].map((image) => `  ${image}: registry unreachable: the token endpoint answered HTTP 503 after retries`),
  )
  expect(stub.log.filter((l) => l.startsWith('GET /token'))).toHaveLength(fast.attempts)
})

it('asks for as many scopes at once as fit in a URL a server takes', () => {
  const repositories = Array.from({ length: 40 }, (_, i) => `acme.com/${String(i).padStart(100, 'x')}`)
  const groups = scopeGroups(repositories)
  expect(groups.flat()).toEqual(repositories)
  expect(groups.length).toBeGreaterThan(1)
  for (const group of groups)
    expect(group.map((r) => `&scope=${encodeURIComponent(`repository:${r}:pull`)}`).join('').length).toBeLessThanOrEqual(2000)
  expect(scopeGroups(['a/x', 'b/y'])).toEqual([['a/x', 'b/y']])
})

it('reuses its connections: one for a check of images one after another', async () => {
  expect(await run('a/x:1\na/x:2\nb/y', { concurrency: 1 })).toEqual({ 'a/x:1': DIGEST, 'a/x:2': DIGEST, 'b/y': DIGEST })
  expect(stub.log).toHaveLength(5) // the challenge, a token, three HEADs
  expect(stub.connections).toBe(1)
})

it('keeps a connection past the deadlines of the requests it served before', async () => {
  // Each attempt's deadline fires after it is done; it must not end the next request on the same
  // connection. 16 HEADs of 100 ms outlast the first deadlines; a deadline of 1 s holds under load.
  stub.delayMs = 100
  const list = Array.from({ length: 16 }, (_, i) => `a/x:${i}`).join('\n')
  expect(Object.keys(await run(list, { concurrency: 1, policy: { ...fast, timeoutMs: 1000 } }))).toHaveLength(16)
  expect(retries).toEqual([])
  expect(stub.connections).toBe(1)
})

it('checks 20 images at once, and never more than `concurrency`', async () => {
  stub.delayMs = 400 // long enough that all 20 are in flight together on a loaded machine
  const list = Array.from({ length: 20 }, (_, i) => `a/x:${i}`).join('\n')
  await run(list)
  expect(stub.maxInFlight).toBe(20)
  stub.maxInFlight = 0
  await run(list, { concurrency: 8 })
  expect(stub.maxInFlight).toBe(8)
})

it('sends the login as Basic to a registry that asks for it, and nothing to one that asks for nothing', async () => {
  stub.challenge = 'Basic realm="registry"'
  expect(await run('a/x')).toEqual({ 'a/x': DIGEST })
  expect(stub.log.slice(1)).toEqual(['HEAD /v2/a/x/manifests/latest Basic'])
  stub.challenge = ''
  stub.log.length = 0
  expect(await run('a/x')).toEqual({ 'a/x': DIGEST })
  expect(stub.log).toEqual(['GET /v2/ -', 'HEAD /v2/a/x/manifests/latest -'])
})

it("takes a HEAD whose Content-Length (the manifest's size, no body) is over the body cap", async () => {
  stub.manifest = Buffer.alloc(2 * 1024 * 1024, ' ')
  expect(await run('a/x')).toEqual({ 'a/x': DIGEST })
})

it('hashes the manifest when HEAD brings no Docker-Content-Digest, within a size cap', async () => {
  stub.digestHeader = false
  expect(await run('a/x')).toEqual({ 'a/x': DIGEST })
  expect(stub.log.at(-1)).toBe('GET /v2/a/x/manifests/latest Bearer')
  stub.manifest = Buffer.alloc(4 * 1024 * 1024 + 1, ' ')
  expect(await failure('a/x')).toMatch(
    /a\/x: unexpected answer: .* answered a manifest larger than 4 MiB after a HEAD without Docker-Content-Digest$/,
  )
})

it('refuses a manifest whose digest is not the one asked for', async () => {
  const other = `sha256:${'1'.repeat(64)}`
  expect(await failure(`a/x@${other}`)).toMatch(new RegExp(`a/x@${other}: unexpected answer: .* served manifest ${DIGEST} for ${other}$`))
})

it('never sends the login in the clear to a realm on another host', async () => {
  stub.challenge = 'Bearer realm="http://elsewhere.example/token",service="test"'
  expect(await failure('a/x\nb/y')).toBe(
    [
      `2 of 2 image(s) cannot be pulled from ${registry} as ab/cd:`,
      "  a/x: unexpected answer: the token realm http://elsewhere.example is not https: the login's credentials are not sent there",
      "  b/y: unexpected answer: the token realm http://elsewhere.example is not https: the login's credentials are not sent there",
    ].join('\n'),
  )
  expect(stub.log.filter((l) => l.startsWith('GET /token'))).toEqual([])
})

it('names a token realm that is not a URL, rather than a bare "Invalid URL"', async () => {
  stub.challenge = 'Bearer realm="/token",service="test"'
  expect(await failure('a/x')).toBe(
    `1 of 1 image(s) cannot be pulled from ${registry} as ab/cd:\n` +
      `  a/x: unexpected answer: ${registry}/v2/ names the token realm "/token", which is not a URL: not a registry this check can speak to`,
  )
})

it('retries 5xx, logging each retry, then reports the registry unreachable', async () => {
  stub.faults.push(503, 503)
  expect(await run('a/x')).toEqual({ 'a/x': DIGEST })
  expect(retries).toEqual([
    expect.stringMatching(new RegExp(`^${registry} answered HTTP 503; retry 1/4 in`)),
    expect.stringMatching(/retry 2\/4/),
  ])
  stub.faults.push(...Array(5).fill(503))
  expect(await failure('a/x')).toBe(
    `1 of 1 image(s) cannot be pulled from ${registry} as ab/cd:\n  a/x: registry unreachable: ${registry} answered HTTP 503 after retries`,
  )
})

it('stops starting checks once the registry is unreachable: one deadline, not one per wave of images', async () => {
  stub.silent = true
  const started = Date.now()
  const lines = (await failure(Array.from({ length: 64 }, (_, i) => `a/x:${i}`).join('\n'))).split('\n')
  expect(Date.now() - started).toBeLessThan(fast.deadlineMs * 1.5) // two waves of 32 took two deadlines
  const heads = new Set(stub.log.filter((l) => l.startsWith('HEAD')))
  expect(heads.size).toBe(32)
  expect(lines).toHaveLength(65)
  const unreachable = new RegExp(
    `^ {2}a/x:\\d+: registry unreachable: ${registry} request failed \\(timed out\\) after \\d attempt\\(s\\) in \\d\\.\\ds$`,
  )
  expect(lines.filter((l) => unreachable.test(l))).toHaveLength(32)
  const skipped = new RegExp(`^ {2}a/x:\\d+: registry unreachable: not checked: ${registry} request failed \\(timed out\\)`)
  expect(lines.filter((l) => skipped.test(l))).toHaveLength(32)
})

it('reports a registry that does not answer as unreachable, once for all images', async () => {
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const port = (closed.address() as AddressInfo).port
  await new Promise((resolve) => closed.close(resolve))
  const message = await failure('a/x\nb/y', { origin: `http://127.0.0.1:${port}` })
  const lines = message.split('\n')
  expect(lines).toHaveLength(3)
  expect(lines[1]).toMatch(
    new RegExp(`^ {2}a/x: registry unreachable: ${registry} request failed \\(ECONNREFUSED\\) after \\d attempt\\(s\\) in \\d+\\.\\ds$`),
  )
  expect(lines[2].replace('b/y', 'a/x')).toBe(lines[1])
})
