// A warm tool-cache hit: the cached chainctl copied for the job, checked as it is copied.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { dropChainctl, fetchChainctl } from '../../src/chainctl/install.js'
import { toolCacheName } from '../../src/chainctl/release.js'
import { releaseSite, sha } from '../../test/releasesite.ts'

const site = releaseSite()
const { options, requests } = site

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
  const release = (version: string, bytes: Buffer, served = false): Record<string, Buffer> => ({
    '/chainctl/latest/metadata.json': Buffer.from(`{"version": "${version}"}`),
    [`/chainctl/${version}/chainctl_checksums.txt`]: Buffer.from(`${sha(bytes)}  chainctl_linux_x86_64\n`),
    ...(served ? { [`/chainctl/${version}/chainctl_linux_x86_64`]: bytes } : {}),
  })

  it("runs as a copy of the job's own, byte for byte, checked with one request", async () => {
    site.files = release('0.2.50', BIG)
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
    site.files = release('0.2.50', BIG)
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
    site.files = release('0.2.50', BIG)
    cache(Buffer.from('an older chainctl'), '0.2.49')
    cache(BIG)
    let copiedMeanwhile = false // the whole copy made before metadata.json was answered
    site.beforeAnswer = async (url) => {
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
    site.files = release('0.2.51', NEW, true)
    const dir = cache(BIG)
    const f = await fetchChainctl({ ...options(), version: 'latest' }, {}, () => undefined)
    expect([f.version, f.fromCache, readFileSync(f.path).equals(NEW)]).toEqual(['0.2.51', false, true])
    expect(copies()).toEqual([NEW.length])
    expect(readFileSync(join(dir, 'chainctl')).equals(BIG)).toBe(true) // the cache keeps its entry
    dropChainctl(f)
  })

  it('with latest naming an older version than the newest cached, runs a copy of that older one', async () => {
    const NEWER = Buffer.from('chainctl 0.2.51, since withdrawn')
    site.files = release('0.2.50', BIG)
    cache(BIG)
    const newer = cache(NEWER, '0.2.51')
    const f = await fetchChainctl({ ...options(), version: 'latest' }, {}, () => undefined)
    expect([f.version, f.fromCache, readFileSync(f.path).equals(BIG)]).toEqual(['0.2.50', true, true])
    expect(readFileSync(join(newer, 'chainctl')).equals(NEWER)).toBe(true)
    expect(requests).toEqual(['/chainctl/latest/metadata.json', '/chainctl/0.2.50/chainctl_checksums.txt'])
    dropChainctl(f)
  })

  it('leaves no copy behind when metadata.json fails while the newest cached version is being copied', async () => {
    site.files = {}
    cache(BIG)
    await expect(fetchChainctl({ ...options(), version: 'latest' }, {}, () => undefined)).rejects.toThrow(/metadata\.json failed: HTTP 404/)
    expect(readdirSync(process.env.RUNNER_TEMP!)).toEqual([])
  })
})
