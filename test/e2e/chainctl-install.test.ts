// chainctl through the tool cache, against the sandbox's download server and its fake chainctl:
// resolving, verifying and caching the binary, and a tool cache other jobs share or change.
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { LATEST } from '../sandbox/downloads.ts'
import { IDENTITY, PULL_IDENTITY } from '../sandbox/index.ts'
import { fileCommands, laterStep, outputs, runStep, type Job } from '../sandbox/runner.ts'
import { cacheEntries, chainctlCalls, job, leaks, LOGINS, resetStandIns, useSandbox, visible } from './helpers.ts'

const sb = useSandbox()
beforeEach(() => resetStandIns(sb))

/** A job on the same self-hosted runner as `other`: it shares the tool cache. */
const sameRunner = (other: Job) => {
  const j = job(sb)
  j.env.RUNNER_TOOL_CACHE = other.env.RUNNER_TOOL_CACHE
  return j
}

describe('chainctl install', () => {
  it('resolves latest, verifies, caches, puts chainctl on PATH and logs it in without a token in argv', async () => {
    const j = job(sb)
    const main = await runStep(j, 'main', { identity: IDENTITY })
    expect(main.code).toBe(0)
    expect(outputs(j)['chainctl-version']).toBe(LATEST)
    // metadata first; then the binary and the checksums, fetched in parallel.
    expect(sb.downloads.requests[0]).toBe('/chainctl/latest/metadata.json')
    expect(sb.downloads.requests.slice(1).sort()).toEqual([
      `/chainctl/${LATEST}/chainctl_checksums.txt`,
      `/chainctl/${LATEST}/chainctl_linux_x86_64`,
    ])
    // Keyed on the source too, readably: chainctl-<download host>-<hash of the download URL>.
    expect(cacheEntries(j)).toEqual([
      expect.stringMatching(new RegExp(`^chainctl-dl\\.enforce\\.dev-[0-9a-f]{12}/${LATEST}/x64/chainctl$`)),
    ])
    const later = await laterStep(j, 'chainctl', ['version'])
    expect(later.stdout.trim()).toBe(`GitVersion:    v${LATEST}`)
    expect(chainctlCalls(j).slice(0, 3).sort()).toEqual([...LOGINS].sort()) // at once, so in any order
    expect(chainctlCalls(j).slice(3)).toEqual(['version '])
    expect(fileCommands(j.files.env)).toEqual({})
    const post = await runStep(j, 'post')
    expect(visible(post)).toContain('Logged chainctl out')
    expect(chainctlCalls(j).at(-1)).toBe('auth logout ')
    expect(leaks(sb, j, [main, later, post])).toEqual([])
    expect(chainctlCalls(j).join('\n')).not.toMatch(/eyJ/)
  })

  it('installs a pinned version, and a warm tool cache downloads only the checksums to verify the hit', async () => {
    const first = job(sb)
    expect((await runStep(first, 'main', { identity: IDENTITY, version: '0.2.50' })).code).toBe(0)
    expect(sb.downloads.requests).toHaveLength(2)
    sb.downloads.requests.length = 0

    const second = sameRunner(first)
    const main = await runStep(second, 'main', { identity: IDENTITY, version: '0.2.50' })
    expect(main.code).toBe(0)
    expect(visible(main)).toContain('chainctl 0.2.50 on PATH (from the tool cache)')
    expect(sb.downloads.requests).toEqual(['/chainctl/0.2.50/chainctl_checksums.txt'])
    expect((await laterStep(second, 'chainctl', ['version'])).stdout.trim()).toBe('GitVersion:    v0.2.50')
  })

  it("never serves a mirror's chainctl to a job using the default download URL", async () => {
    const mirrored = job(sb)
    const mirror = { identity: IDENTITY, version: LATEST, 'download-url': 'https://dl.enforce.dev/mirror/chainctl' }
    expect((await runStep(mirrored, 'main', mirror)).code).toBe(0)
    expect((await laterStep(mirrored, 'chainctl', ['version'])).stdout.trim()).toBe(`GitVersion:    v${LATEST}-mirror`)
    await runStep(mirrored, 'post')
    sb.downloads.requests.length = 0

    const j = sameRunner(mirrored)
    const main = await runStep(j, 'main', { identity: IDENTITY, version: LATEST })
    expect(main.code).toBe(0)
    expect(visible(main)).toContain(`chainctl ${LATEST} on PATH`) // downloaded, not the mirror's from the cache
    expect(sb.downloads.requests.sort()).toEqual([
      `/chainctl/${LATEST}/chainctl_checksums.txt`,
      `/chainctl/${LATEST}/chainctl_linux_x86_64`,
    ])
    expect((await laterStep(j, 'chainctl', ['version'])).stdout.trim()).toBe(`GitVersion:    v${LATEST}`)
    expect(cacheEntries(j)).toHaveLength(2) // each source its own entry
    await runStep(j, 'post')

    // And the mirror's own jobs still hit theirs.
    const again = sameRunner(mirrored)
    expect(visible(await runStep(again, 'main', mirror))).toContain(`chainctl ${LATEST} on PATH (from the tool cache)`)
    expect((await laterStep(again, 'chainctl', ['version'])).stdout.trim()).toBe(`GitVersion:    v${LATEST}-mirror`)
  })

  it('fails on a cache hit changed since it was cached, before running it, and drops the entry', async () => {
    const first = job(sb)
    expect((await runStep(first, 'main', { identity: IDENTITY, version: '0.2.50' })).code).toBe(0)
    await runStep(first, 'post')
    const [entry] = cacheEntries(first)
    const cached = join(first.env.RUNNER_TOOL_CACHE, entry)
    // Another job on the runner slips a line into the cached chainctl.
    writeFileSync(cached, readFileSync(cached, 'utf8').replace('\n', '\ntouch "$RUNNER_TEMP/../tampered-chainctl-ran"\n'))
    const changed = createHash('sha256').update(readFileSync(cached)).digest('hex')
    sb.downloads.requests.length = 0

    const j = sameRunner(first)
    const main = await runStep(j, 'main', { identity: IDENTITY, version: '0.2.50' })
    expect(main.code).toBe(1)
    expect(visible(main).at(-1)).toMatch(
      new RegExp(
        `^::error::The cached chainctl 0\\.2\\.50 at ${cached} does not match chainctl_checksums\\.txt \\(sha256 [0-9a-f]{64}, the file is ${changed}\\): ` +
          'it changed after it was cached; it was not run and was removed from the tool cache, so the next run downloads it again$',
      ),
    )
    expect(sb.downloads.requests).toEqual(['/chainctl/0.2.50/chainctl_checksums.txt'])
    expect(existsSync(join(j.dir, 'tampered-chainctl-ran'))).toBe(false)
    expect(chainctlCalls(j)).toEqual([])
    expect(readFileSync(j.files.path, 'utf8')).toBe('')
    expect(cacheEntries(j)).toEqual([])
    expect(existsSync(`${dirname(cached)}.complete`)).toBe(false)
    await runStep(j, 'post')

    // The next job downloads and verifies it afresh.
    const next = sameRunner(first)
    expect(visible(await runStep(next, 'main', { identity: IDENTITY, version: '0.2.50' }))).toContain('chainctl 0.2.50 on PATH')
    expect((await laterStep(next, 'chainctl', ['version'])).stdout.trim()).toBe('GitVersion:    v0.2.50')
  })

  it('rejects a tampered binary, naming the checksum, with nothing cached or on PATH', async () => {
    sb.downloads.tamper = true
    const j = job(sb)
    const main = await runStep(j, 'main', { identity: IDENTITY })
    expect(main.code).toBe(1)
    expect(visible(main).at(-1)).toMatch(
      new RegExp(
        `^::error::Checksum mismatch for chainctl_linux_x86_64 ${LATEST}: chainctl_checksums.txt says sha256 [0-9a-f]{64}, the download is [0-9a-f]{64}; nothing was installed$`,
      ),
    )
    expect(cacheEntries(j)).toEqual([])
    expect(readFileSync(j.files.path, 'utf8')).toBe('')
    expect(readdirSync(j.env.RUNNER_TEMP)).toEqual([expect.stringMatching(/^setup-chainctl-[A-Za-z0-9]{6}$/)]) // no download staging left
    expect(chainctlCalls(j)).toEqual([])
    // The docker login happened first; the post step takes it back, and its files.
    expect(visible(await runStep(j, 'post'))).toEqual(['Logged out of cgr.dev (podman)', 'Logged out of cgr.dev (docker)'])
    expect(readdirSync(j.env.RUNNER_TEMP)).toEqual([])
  })

  it('retries a failing download like the STS client', async () => {
    sb.downloads.faults.push(503)
    const j = job(sb)
    const main = await runStep(j, 'main', { identity: IDENTITY, version: '0.2.50' })
    expect(main.code).toBe(0)
    expect(visible(main)).toContainEqual(expect.stringMatching(/^::warning::chainctl download answered HTTP 503; retry 1\/4 in \d\.\ds$/))
  })

  it.each([
    ['an identity login', true, () => ({ identity: IDENTITY, version: '0.2.50' })],
    ['a pull-token login', false, () => ({ username: PULL_IDENTITY, password: sb.pullToken, version: '0.2.50' })],
  ])('runs its verified download when the tool cache cannot take it (%s), and post removes it', async (_case, oidc, inputs) => {
    // Another job caching the same version at once removes the folder this one copies into
    // (tc.cacheFile starts with rm -rf); here the tool's folder is a file, so the copy fails every time.
    const probe = job(sb)
    expect((await runStep(probe, 'main', { identity: IDENTITY, version: '0.2.50' })).code).toBe(0)
    const tool = cacheEntries(probe)[0].split('/')[0]
    const j = job(sb, { oidc })
    writeFileSync(join(j.env.RUNNER_TOOL_CACHE, tool), 'not a folder')
    const result = await runStep(j, 'main', inputs())
    expect(result.code).toBe(0)
    expect(visible(result)).toContainEqual(
      expect.stringMatching(/^::warning::Could not cache chainctl 0\.2\.50 \(.*\); this job runs its verified download$/),
    )
    expect((await laterStep(j, 'chainctl', ['version'])).stdout.trim()).toBe('GitVersion:    v0.2.50')
    await runStep(j, 'post')
    expect(readdirSync(j.env.RUNNER_TEMP)).toEqual([])
  })

  it('with install: false downloads nothing and runs no chainctl', async () => {
    const j = job(sb)
    const main = await runStep(j, 'main', { identity: IDENTITY, install: 'false' })
    expect(main.code).toBe(0)
    expect(sb.downloads.requests).toEqual([])
    expect(outputs(j)['chainctl-version']).toBeUndefined()
    expect(chainctlCalls(j)).toEqual([])
  })

  it('installs but does not log chainctl in for a pull-token login', async () => {
    const j = job(sb, { oidc: false })
    const main = await runStep(j, 'main', { username: PULL_IDENTITY, password: sb.pullToken })
    expect(main.code).toBe(0)
    expect(outputs(j)['chainctl-version']).toBe(LATEST)
    expect(chainctlCalls(j)).toEqual([])
  })
})
