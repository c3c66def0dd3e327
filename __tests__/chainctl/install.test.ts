// fetchChainctl against a local download site, with the runner's platform set as Windows on ARM64.
import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { dropChainctl, fetchChainctl } from '../../src/chainctl/install.js'
import { toolCacheName } from '../../src/chainctl/release.js'
import { tempDirs } from '../../test/tempdirs.ts'

const dir = tempDirs('install-')
const X64 = Buffer.from('MZ x86_64 build')
const ARM = Buffer.from('MZ arm64 build')
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

let server: Server
let files: Record<string, Buffer> = {}
const requests: string[] = []
/** Runs before a request is answered. */
let beforeAnswer: (url: string) => Promise<void> = async () => undefined
const saved = { ...process.env }

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '')
    const body = files[req.url ?? '']
    void beforeAnswer(req.url ?? '').then(() => res.writeHead(body ? 200 : 404).end(body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
})
afterAll(() => new Promise((resolve) => server.close(resolve)))
beforeEach(() => {
  Object.assign(process.env, { RUNNER_OS: 'Windows', RUNNER_ARCH: 'ARM64', RUNNER_TEMP: dir(), RUNNER_TOOL_CACHE: dir() })
  requests.length = 0
  beforeAnswer = async () => undefined
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

describe('a warm tool-cache hit', () => {
  // Several MiB and not a whole number of the copy's chunks: every chunk, and a short last one.
  const BIG = Buffer.alloc(3 * 1024 * 1024 + 12345)
  for (let i = 0; i < BIG.length; i++) BIG[i] = (i * 31 + (i >> 12)) & 0xff // no chunk repeats another

  /** Puts `bytes` in the tool cache as chainctl `version` for Linux x64, as tc.cacheFile leaves it; returns its folder. */
  function cache(bytes: Buffer, version = '0.2.50'): string {
    const dir = join(process.env.RUNNER_TOOL_CACHE!, toolCacheName(options().downloadUrl), version, 'x64')
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'chainctl'), bytes)
    writeFileSync(`${dir}.complete`, '')
    return dir
  }

  beforeEach(() => Object.assign(process.env, { RUNNER_OS: 'Linux', RUNNER_ARCH: 'X64' }))

  /** A release site whose latest is `version`, listing `bytes` as its Linux x64 chainctl (and serving it, with `served`). */
  const site = (version: string, bytes: Buffer, served = false): Record<string, Buffer> => ({
    '/chainctl/latest/metadata.json': Buffer.from(`{"version": "${version}"}`),
    [`/chainctl/${version}/chainctl_checksums.txt`]: Buffer.from(`${sha(bytes)}  chainctl_linux_x86_64\n`),
    ...(served ? { [`/chainctl/${version}/chainctl_linux_x86_64`]: bytes } : {}),
  })

  it("runs as a copy of the job's own, byte for byte, checked with one request", async () => {
    files = site('0.2.50', BIG)
    const dir = cache(BIG)
    const f = await fetchChainctl(options(), {}, () => undefined)
    expect(f.fromCache).toBe(true)
    expect(f.path.startsWith(process.env.RUNNER_TEMP!)).toBe(true)
    expect(readFileSync(f.path).equals(BIG)).toBe(true)
    expect((statSync(f.path).mode & 0o777).toString(8)).toBe('700')
    expect(requests).toEqual(['/chainctl/0.2.50/chainctl_checksums.txt'])
    expect(existsSync(join(dir, 'chainctl'))).toBe(true)
    dropChainctl(f)
  })

  it('is refused and dropped from the tool cache when a byte past the first MiB changed', async () => {
    files = site('0.2.50', BIG)
    const changed = Buffer.from(BIG)
    changed[changed.length - 1] ^= 1 // in the short last chunk
    const dir = cache(changed)
    await expect(fetchChainctl(options(), {}, () => undefined)).rejects.toThrow(
      `The cached chainctl 0.2.50 at ${join(dir, 'chainctl')} does not match chainctl_checksums.txt (sha256 ${sha(BIG)}, the file is ${sha(changed)})`,
    )
    expect([existsSync(dir), existsSync(`${dir}.complete`)]).toEqual([false, false])
  })

  /** The job's copies of chainctl in RUNNER_TEMP and their sizes. */
  const copies = () =>
    readdirSync(process.env.RUNNER_TEMP!, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('/chainctl'))
      .map((f) => statSync(join(process.env.RUNNER_TEMP!, f)).size)

  it('with latest, copies the newest cached version while metadata.json says which version is latest', async () => {
    files = site('0.2.50', BIG)
    cache(Buffer.from('an older chainctl'), '0.2.49')
    cache(BIG)
    let copiedMeanwhile = false // the whole copy made before metadata.json was answered
    beforeAnswer = async (url) => {
      for (let i = 0; url.endsWith('/metadata.json') && i < 200 && !copiedMeanwhile; i++) {
        copiedMeanwhile = copies()[0] === BIG.length
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    }
    const f = await fetchChainctl({ ...options(), version: 'latest' }, {}, () => undefined)
    expect(copiedMeanwhile).toBe(true)
    expect([f.version, f.fromCache, readFileSync(f.path).equals(BIG)]).toEqual(['0.2.50', true, true])
    dropChainctl(f)
  })

  it('with latest naming a version the cache does not hold, drops the copy of the newest one and downloads', async () => {
    const NEW = Buffer.from('chainctl 0.2.51')
    files = site('0.2.51', NEW, true)
    const dir = cache(BIG)
    const f = await fetchChainctl({ ...options(), version: 'latest' }, {}, () => undefined)
    expect([f.version, f.fromCache, readFileSync(f.path).equals(NEW)]).toEqual(['0.2.51', false, true])
    expect(copies()).toEqual([NEW.length])
    expect(readFileSync(join(dir, 'chainctl')).equals(BIG)).toBe(true) // the cache keeps its entry
    dropChainctl(f)
  })

  it('with latest naming an older version than the newest cached, runs a copy of that older one', async () => {
    const NEWER = Buffer.from('chainctl 0.2.51, since withdrawn')
    files = site('0.2.50', BIG)
    cache(BIG)
    const newer = cache(NEWER, '0.2.51')
    const f = await fetchChainctl({ ...options(), version: 'latest' }, {}, () => undefined)
    expect([f.version, f.fromCache, readFileSync(f.path).equals(BIG)]).toEqual(['0.2.50', true, true])
    expect(readFileSync(join(newer, 'chainctl')).equals(NEWER)).toBe(true)
    expect(requests).toEqual(['/chainctl/latest/metadata.json', '/chainctl/0.2.50/chainctl_checksums.txt'])
    dropChainctl(f)
  })

  it('leaves no copy behind when metadata.json fails while the newest cached version is being copied', async () => {
    files = {}
    cache(BIG)
    await expect(fetchChainctl({ ...options(), version: 'latest' }, {}, () => undefined)).rejects.toThrow(/metadata\.json failed: HTTP 404/)
    expect(readdirSync(process.env.RUNNER_TEMP!)).toEqual([])
  })
})
