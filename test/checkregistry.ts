// A registry on loopback for the image check's unit tests (__tests__/images/: auth, connections,
// manifests, unreachable), answering as the sandbox's real registry never does (Basic auth, no auth,
// no Docker-Content-Digest, outages) and counting requests; set each test's way through `stub`.
// The test file that uses it calls useStubRegistry(), which registers its hooks.
import { jest } from '@jest/globals'
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { checkImages, ImageCheckError, type CheckOptions } from '../src/images/check.js'
import type { PullLogin } from '../src/images/session.js'
import { parseReferences } from '../src/images/reference.js'
import { DEFAULT_POLICY } from '../src/net/retry.js'

export const fast = { ...DEFAULT_POLICY, baseMs: 10, capMs: 50, timeoutMs: 1000, deadlineMs: 3000 }
export const MANIFEST = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}')
export const DIGEST = `sha256:${createHash('sha256').update(MANIFEST).digest('hex')}`

export interface Stub {
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
export let origin: string
export let stub: Stub
export let registry: string

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

/** Starts the registry for this test file; each test gets a fresh `stub` and empty `masked` and `retries`. */
export function useStubRegistry(): void {
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
}

const login = (): PullLogin => ({ registry, identity: 'ab/cd', username: '_token', secret: 'login-secret', pullToken: false })
export const masked: string[] = []
export const retries: string[] = []
export const run = (list: string, opts: CheckOptions = {}) =>
  checkImages(parseReferences(list, registry), login(), {
    origin,
    policy: fast,
    mask: (s) => masked.push(s),
    onRetry: (m) => retries.push(m),
    ...opts,
  })
export const failure = (list: string, opts: CheckOptions = {}) =>
  run(list, opts).then(
    () => {
      throw new Error('the check passed')
    },
    (err: unknown) => {
      expect(err).toBeInstanceOf(ImageCheckError)
      return (err as Error).message
    },
  )
