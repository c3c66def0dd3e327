// fetchChainctl and keepChainctl against a local download site and a tool cache of the test's own.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { dropChainctl, fetchChainctl, keepChainctl, type Fetched } from '../../src/chainctl/install.js'
import { toolCacheName } from '../../src/chainctl/release.js'
import { releaseSite, sha } from '../../test/releasesite.ts'

const site = releaseSite()
const { dir, options, requests } = site
const X64 = Buffer.from('MZ x86_64 build')
const ARM = Buffer.from('MZ arm64 build')

describe('chainctl on Windows ARM64', () => {
  it('installs the x86_64 build, verified, when the release publishes no arm64 one, and says so', async () => {
    site.files = {
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
    site.files = {
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

describe('chainctl on Linux, through the tool cache', () => {
  const BIN = Buffer.from('#!/bin/sh\necho chainctl\n')
  const release = (version: string, bin = BIN, listed = BIN) => ({
    [`/chainctl/${version}/chainctl_checksums.txt`]: Buffer.from(`${sha(listed)}  chainctl_linux_x86_64\n`),
    [`/chainctl/${version}/chainctl_linux_x86_64`]: bin,
  })
  const staged = () => readdirSync(process.env.RUNNER_TEMP ?? '').filter((f) => f.startsWith('chainctl-'))
  const entry = (version: string) => join(process.env.RUNNER_TOOL_CACHE ?? '', toolCacheName(options().downloadUrl), version, 'x64')
  const fetch = (version = '0.2.50', opts = {}) => fetchChainctl({ ...options(), version }, opts, () => undefined)
  const failure = (work: Promise<unknown>) =>
    work.then(
      () => new Error('it did not fail'),
      (err: Error) => err,
    )
  let warnings: string[]
  /** What the action put on PATH for later steps (the runner's GITHUB_PATH file). */
  const added = () =>
    readFileSync(process.env.GITHUB_PATH ?? '', 'utf8')
      .split('\n')
      .filter(Boolean)
  const keep = (f: Fetched) => keepChainctl(f, (l) => warnings.push(l))

  beforeEach(() => {
    const path = join(dir(), 'github_path')
    writeFileSync(path, '')
    Object.assign(process.env, { RUNNER_OS: 'Linux', RUNNER_ARCH: 'X64', GITHUB_PATH: path })
    warnings = []
    site.other = (_req, res) => void res.writeHead(404).end()
  })

  it("installs the latest release, verified, caches it, and the next job runs a verified copy of the cache's", async () => {
    site.files = { '/chainctl/latest/metadata.json': Buffer.from('{"version": "v0.2.51"}'), ...release('0.2.51') }
    const lines: string[] = []
    const first = await fetchChainctl({ ...options(), version: 'latest' }, {}, (l) => lines.push(l))
    expect(lines).toEqual([`Downloading chainctl 0.2.51 from ${options().downloadUrl}/0.2.51/chainctl_linux_x86_64`])
    expect([first.version, first.fromCache, readFileSync(first.path)]).toEqual(['0.2.51', false, BIN])
    expect(first.path).toBe(join(first.staging, 'chainctl'))
    expect(statSync(first.path).mode & 0o777).toBe(0o700)
    expect(first.env).toEqual({ XDG_CACHE_HOME: join(first.staging, 'cache') })
    expect(await keep(first)).toEqual({ version: '0.2.51', path: first.path, fromCache: false, env: first.env })
    // The tool cache's usual layout (<tool>/<version>/<arch>); on PATH only the launcher of the job's copy.
    expect(readFileSync(join(entry('0.2.51'), 'chainctl'))).toEqual(BIN)
    expect(added()).toEqual([join(first.staging, 'path')])
    expect(execFileSync(join(first.staging, 'path', 'chainctl')).toString()).toBe('chainctl\n')

    requests.length = 0
    const second = await fetch('0.2.51')
    expect([second.version, second.fromCache, readFileSync(second.path)]).toEqual(['0.2.51', true, BIN])
    expect(second.staging).not.toBe(first.staging)
    expect(statSync(second.path).mode & 0o777).toBe(0o700)
    expect(requests).toEqual(['/chainctl/0.2.51/chainctl_checksums.txt']) // no download
    expect(await keep(second)).toEqual({ version: '0.2.51', path: second.path, fromCache: true, env: second.env })
    expect(added()).toEqual([join(first.staging, 'path'), join(second.staging, 'path')])
    expect(warnings).toEqual([])
    dropChainctl(first)
    dropChainctl(second)
    expect(staged()).toEqual([])
  })

  it('removes a cached chainctl that changed since it was cached, runs nothing, and the next job downloads it again', async () => {
    site.files = release('0.2.50')
    await keep(await fetch())
    writeFileSync(join(entry('0.2.50'), 'chainctl'), '#!/bin/sh\necho tampered\n')
    const err = await failure(fetch())
    expect(err.message).toBe(
      `The cached chainctl 0.2.50 at ${join(entry('0.2.50'), 'chainctl')} does not match chainctl_checksums.txt (sha256 ${sha(BIN)}, ` +
        `the file is ${sha(Buffer.from('#!/bin/sh\necho tampered\n'))}): it changed after it was cached; it was not run and was removed from the tool cache, so the next run downloads it again`,
    )
    expect([existsSync(entry('0.2.50')), existsSync(`${entry('0.2.50')}.complete`)]).toEqual([false, false])
    expect(staged().length).toBe(1) // the first job's copy, not this one's
    const again = await fetch()
    expect([again.fromCache, readFileSync(again.path)]).toEqual([false, BIN])
  })

  it('takes a cache entry whose file is gone for a changed one', async () => {
    site.files = release('0.2.50')
    await keep(await fetch())
    rmSync(join(entry('0.2.50'), 'chainctl'))
    expect((await failure(fetch())).message).toMatch(/\(sha256 [0-9a-f]{64}, the file is unreadable \(ENOENT\)\): it changed after/)
    expect(existsSync(entry('0.2.50'))).toBe(false)
  })

  it('installs nothing when the download does not match the checksums', async () => {
    site.files = release('0.2.50', Buffer.from('#!/bin/sh\necho evil\n'))
    const err = await failure(fetch())
    expect(err.message).toBe(
      `Checksum mismatch for chainctl_linux_x86_64 0.2.50: chainctl_checksums.txt says sha256 ${sha(BIN)}, the download is ${sha(Buffer.from('#!/bin/sh\necho evil\n'))}; nothing was installed`,
    )
    expect([staged(), existsSync(entry('0.2.50'))]).toEqual([[], false])
  })

  it('fails on a release that lists no build for the runner, or has no such file, leaving nothing staged', async () => {
    site.files = { ...release('0.2.50'), '/chainctl/0.2.50/chainctl_checksums.txt': Buffer.from(`${sha(BIN)}  chainctl_linux_arm64\n`) }
    expect((await failure(fetch())).message).toBe('chainctl_checksums.txt of 0.2.50 lists no checksum for chainctl_linux_x86_64')
    Object.assign(process.env, { RUNNER_OS: 'Windows', RUNNER_ARCH: 'ARM64' }) // either of two builds would do
    expect((await failure(fetch())).message).toMatch(/lists no checksum for chainctl_windows_arm64\.exe or chainctl_windows_x86_64\.exe$/)
    Object.assign(process.env, { RUNNER_OS: 'Linux', RUNNER_ARCH: 'X64' })
    site.files = { '/chainctl/0.2.50/chainctl_checksums.txt': release('0.2.50')['/chainctl/0.2.50/chainctl_checksums.txt'] }
    expect((await failure(fetch())).message).toBe(`Downloading ${options().downloadUrl}/0.2.50/chainctl_linux_x86_64 failed: HTTP 404`)
    expect(staged()).toEqual([])
  })

  it('fails on a latest/metadata.json that names no plain version', async () => {
    site.files = { '/chainctl/latest/metadata.json': Buffer.from('{"version": "0.2.51; rm -rf /"}'), ...release('0.2.51') }
    expect((await failure(fetch('latest'))).message).toBe(
      `${options().downloadUrl}/latest/metadata.json did not name a version (expected JSON {"version": "X.Y.Z"})`,
    )
    expect(requests.filter((r) => r.includes('0.2.51'))).toEqual([])
  })

  it('ends the download at once when the checksums cannot be had, and when the caller cancels', async () => {
    // A binary that trickles in for minutes: neither failure may wait for it.
    site.other = (req, res) => {
      if (!req.url?.endsWith('_x86_64')) return void res.writeHead(404).end()
      res.writeHead(200, { 'content-length': '1000000' })
      const drip = setInterval(() => res.write('x'), 50)
      res.on('close', () => clearInterval(drip))
    }
    site.files = {}
    let started = Date.now()
    expect((await failure(fetch())).message).toBe(`Downloading ${options().downloadUrl}/0.2.50/chainctl_checksums.txt failed: HTTP 404`)
    expect(Date.now() - started).toBeLessThan(2000)
    expect(staged()).toEqual([])

    site.files = release('0.2.50')
    delete site.files['/chainctl/0.2.50/chainctl_linux_x86_64']
    started = Date.now()
    const err = await failure(fetch('0.2.50', { signal: AbortSignal.timeout(300) }))
    expect(err.message).toMatch(/cancelled/)
    expect(Date.now() - started).toBeLessThan(2000)
    expect(staged()).toEqual([])
  })

  it('still puts a verified download on PATH when the tool cache cannot take it, saying so', async () => {
    site.files = release('0.2.50')
    const blocked = join(dir(), 'file')
    writeFileSync(blocked, '')
    process.env.RUNNER_TOOL_CACHE = join(blocked, 'cache') // under a file: no folder can be made
    const f = await fetch()
    expect(await keep(f)).toMatchObject({ path: f.path, fromCache: false })
    expect(warnings).toEqual([
      expect.stringMatching(/^Could not cache chainctl 0\.2\.50 \(.*ENOTDIR.*\); this job runs its verified download$/),
    ])
    expect(added()).toEqual([join(f.staging, 'path')])
  })

  it('leaves alone the entry another job cached while this one downloaded', async () => {
    site.files = release('0.2.50')
    const f = await fetch()
    await keep(await fetch()) // the other job
    writeFileSync(join(entry('0.2.50'), 'theirs'), '')
    await keep(f)
    expect(readdirSync(entry('0.2.50')).sort()).toEqual(['chainctl', 'theirs'])
  })

  it("caches under the runner's architecture, which an emulated node need not share", async () => {
    process.env.RUNNER_ARCH = 'ARM64'
    site.files = {
      '/chainctl/0.2.50/chainctl_checksums.txt': Buffer.from(`${sha(BIN)}  chainctl_linux_arm64\n`),
      '/chainctl/0.2.50/chainctl_linux_arm64': BIN,
    }
    await keep(await fetch())
    expect(readFileSync(join(entry('0.2.50'), '..', 'arm64', 'chainctl'))).toEqual(BIN)
    expect((await fetch()).fromCache).toBe(true)
  })

  it('ends the checksums request too when the download fails', async () => {
    let arrived: () => void
    const asked = new Promise<void>((resolve) => (arrived = resolve))
    let closed: Promise<void> | undefined
    site.other = (req, res) => {
      if (req.url?.endsWith('chainctl_checksums.txt')) {
        closed = new Promise((resolve) => res.on('close', resolve)) // never answered
        arrived()
      } else void asked.then(() => res.writeHead(404).end()) // the download fails once both are under way
    }
    site.files = {}
    await failure(fetch())
    const failed = Date.now()
    await closed
    expect(Date.now() - failed).toBeLessThan(1000) // not its own time limit, 10 s on
  })
})
