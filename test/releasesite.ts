// A local chainctl release site (what downloadUrl points at) and a runner of the test's own, for
// the chainctl install tests.
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tempDirs } from './tempdirs.ts'

export const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

type Answer = (req: IncomingMessage, res: ServerResponse) => void

/** The site's state, which tests set; reset before each test. */
export interface ReleaseSite {
  /** What the site serves, by path. */
  files: Record<string, Buffer>
  /** Answers what `files` does not hold; a 404 unless a test says otherwise. */
  other: Answer
  /** Runs before a request is answered. */
  beforeAnswer: (url: string) => Promise<void>
  /** The paths asked for, in order. */
  requests: string[]
  /** A fresh scratch folder. */
  dir: () => string
  /** chainctl options with downloadUrl on this site. */
  options: () => {
    install: boolean
    version: string
    downloadUrl: string
    apkHost: string
    librariesHost: string
    envAuth: boolean
    verbosity: number
    configPath: string
  }
}

const notFound: Answer = (_req, res) => void res.writeHead(404).end()

/** Starts the site for this test file; each test gets Windows ARM64 and fresh RUNNER_TEMP and tool cache. */
export function releaseSite(): ReleaseSite {
  let server: Server
  const saved = { ...process.env }
  const site: ReleaseSite = {
    files: {},
    other: notFound,
    beforeAnswer: async () => undefined,
    requests: [],
    dir: tempDirs('install-'),
    options: () => ({
      install: true,
      version: '0.2.50',
      downloadUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/chainctl`,
      apkHost: 'apk.cgr.dev',
      librariesHost: 'libraries.cgr.dev',
      envAuth: false,
      verbosity: 0,
      configPath: '',
    }),
  }
  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = req.url ?? ''
      site.requests.push(url)
      void site.beforeAnswer(url).then(() => {
        const body = site.files[url]
        if (body) res.writeHead(200).end(body)
        else site.other(req, res)
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  })
  afterAll(() => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))))
  beforeEach(() => {
    Object.assign(process.env, { RUNNER_OS: 'Windows', RUNNER_ARCH: 'ARM64', RUNNER_TEMP: site.dir(), RUNNER_TOOL_CACHE: site.dir() })
    site.requests.length = 0
    site.files = {}
    site.other = notFound
    site.beforeAnswer = async () => undefined
  })
  afterEach(() => (process.env = { ...saved }))
  return site
}
