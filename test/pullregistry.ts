// A token registry on loopback for the image check's unit tests, answering each test's way through
// `reg.route`; its hooks register in the test file that calls useRegistry().
import { jest } from '@jest/globals'
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { checkImages, ImageCheckError, type CheckOptions } from '../src/images/check.js'
import type { PullLogin } from '../src/images/session.js'
import { parseReferences } from '../src/images/reference.js'
import { DEFAULT_POLICY } from '../src/net/retry.js'

export const fast = { ...DEFAULT_POLICY, attempts: 2, baseMs: 10, capMs: 20, timeoutMs: 500, deadlineMs: 1500 }
export const MANIFEST = Buffer.from('{"schemaVersion":2}')
export const DIGEST = `sha256:${createHash('sha256').update(MANIFEST).digest('hex')}`
export const BASIC = `Basic ${Buffer.from('_token:login-secret').toString('base64')}`

export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => void

/** The registry's state: the route answering, what it was asked (method, path, Authorization) and what core.info printed. */
export const reg = {
  route: (() => undefined) as Route,
  log: [] as string[],
  accepts: [] as string[],
  printed: [] as string[],
  /** Connections the registry holds open. */
  open: 0,
  registry: '',
  origin: '',
}

export function useRegistry(): void {
  let server: Server
  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', reg.origin)
      reg.log.push(`${req.method} ${url.pathname}${url.search} ${req.headers.authorization ?? '-'}`)
      reg.accepts.push(`${req.method} ${req.headers.accept}`)
      reg.route(req, res, url)
    }).on('connection', (socket) => (reg.open++, socket.on('close', () => reg.open--)))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    reg.registry = `127.0.0.1:${(server.address() as AddressInfo).port}`
    reg.origin = `http://${reg.registry}`
  })
  afterAll(() => new Promise((resolve) => server.close(resolve)))
  beforeEach(() => {
    reg.log = []
    reg.accepts = []
    reg.printed = []
    jest.spyOn(process.stdout, 'write').mockImplementation((line) => (reg.printed.push(String(line)), true)) // core.info's lines
  })
  afterEach(() => jest.restoreAllMocks())
}

/** A token registry: /token grants a token only to the login's own Basic credentials, as cgr.dev does. */
export function tokenRegistry(manifest: Route): Route {
  return (req, res, url) => {
    if (url.pathname === '/v2/')
      return void res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="${reg.origin}/token",service="t"` }).end()
    if (url.pathname === '/token') {
      if (req.headers.authorization !== BASIC) return void res.writeHead(401).end('{"errors":[{"code":"UNAUTHORIZED"}]}')
      return void res.writeHead(200).end('{"token":"pull-token-for-the-job"}')
    }
    if (req.headers.authorization !== 'Bearer pull-token-for-the-job') return void res.writeHead(401).end()
    manifest(req, res, url)
  }
}
export const serves =
  (extra: Record<string, string> = { 'Docker-Content-Digest': DIGEST }): Route =>
  (_req, res) =>
    void res.writeHead(200, extra).end()

export const login = (secret = 'login-secret'): PullLogin => ({
  registry: reg.registry,
  identity: 'ab/cd',
  username: '_token',
  secret,
  pullToken: false,
})
export const run = (list: string, secret?: string, opts: CheckOptions = {}) =>
  checkImages(parseReferences(list, reg.registry), login(secret), {
    origin: reg.origin,
    policy: fast,
    mask: () => undefined,
    onRetry: () => undefined,
    ...opts,
  })
/** The report's lines after its heading, from a check that must fail. */
export const failure = (list: string, secret?: string, opts?: CheckOptions) =>
  run(list, secret, opts).then(
    () => {
      throw new Error('the check passed')
    },
    (err: unknown) => {
      expect(err).toBeInstanceOf(ImageCheckError)
      return (err as Error).message.split('\n').slice(1)
    },
  )
