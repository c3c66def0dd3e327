// fetchChainctl against a local download site, with the runner's platform set as Windows on ARM64.
import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFileSync } from 'node:fs'
import { dropChainctl, fetchChainctl } from '../../src/chainctl/install.js'
import { tempDirs } from '../../test/tempdirs.ts'

const dir = tempDirs('install-')
const X64 = Buffer.from('MZ x86_64 build')
const ARM = Buffer.from('MZ arm64 build')
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

let server: Server
let files: Record<string, Buffer> = {}
const requests: string[] = []
const saved = { ...process.env }

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '')
    const body = files[req.url ?? '']
    res.writeHead(body ? 200 : 404).end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
})
afterAll(() => new Promise((resolve) => server.close(resolve)))
beforeEach(() => {
  Object.assign(process.env, { RUNNER_OS: 'Windows', RUNNER_ARCH: 'ARM64', RUNNER_TEMP: dir(), RUNNER_TOOL_CACHE: dir() })
  requests.length = 0
})
afterEach(() => (process.env = { ...saved }))

const options = () => ({
  install: true,
  version: '0.2.50',
  downloadUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/chainctl`,
  apkHost: 'apk.cgr.dev',
  librariesHost: 'libraries.cgr.dev',
  envAuth: false,
  verbosity: 0,
  configPath: '',
})

describe('chainctl on Windows ARM64', () => {
  it('installs the x86_64 build, verified, when the release publishes no arm64 one, and says so', async () => {
    files = {
      '/chainctl/0.2.50/chainctl_checksums.txt': Buffer.from(`${sha(X64)}  chainctl_windows_x86_64.exe\n`),
      '/chainctl/0.2.50/chainctl_windows_x86_64.exe': X64,
    }
    const lines: string[] = []
    const f = await fetchChainctl(options(), {}, (l) => lines.push(l))
    expect(readFileSync(f.path)).toEqual(X64)
    expect(f.path.endsWith('chainctl.exe')).toBe(true)
    expect(lines[0]).toBe(
      'chainctl 0.2.50 has no chainctl_windows_arm64.exe: using chainctl_windows_x86_64.exe, which Windows on ARM64 runs emulated',
    )
    expect(requests).not.toContain('/chainctl/0.2.50/chainctl_windows_arm64.exe')
    dropChainctl(f)
  })

  it('installs the arm64 build when the release lists it', async () => {
    files = {
      '/chainctl/0.2.50/chainctl_checksums.txt': Buffer.from(
        `${sha(X64)}  chainctl_windows_x86_64.exe\n${sha(ARM)}  chainctl_windows_arm64.exe\n`,
      ),
      '/chainctl/0.2.50/chainctl_windows_arm64.exe': ARM,
    }
    const f = await fetchChainctl(options(), {}, () => undefined)
    expect(readFileSync(f.path)).toEqual(ARM)
    dropChainctl(f)
  })
})
