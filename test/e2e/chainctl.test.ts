// chainctl through the tool cache, against the sandbox's download server and its fake chainctl.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { LATEST } from '../sandbox/downloads.ts'
import type { Served } from '../sandbox/http.ts'
import { IDENTITY, OTHER_IDENTITY, PULL_IDENTITY } from '../sandbox/index.ts'
import { fileCommands, laterStep, outputs, runStep, type Job, type StepResult } from '../sandbox/runner.ts'
import { dockerConfig, failChainctlLogins, job, leaks, tokenCache, useSandbox, visible } from './helpers.ts'

const sb = useSandbox()
beforeEach(() => {
  sb.downloads.requests.length = 0
  sb.downloads.tamper = false
  sb.downloads.faults.length = 0
  sb.sts.faults.length = 0 // a test whose chainctl logins were stopped early leaves no hang for the next
  sb.wire.delayMs = 0
  sb.wire.slow = {}
  sb.wire.served.length = 0
})

const chainctlCalls = (j: Job) => {
  const log = join(j.dir, 'chainctl-argv.log')
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []
}
/** Every chainctl executable in the job's tool cache, as <tool>/<version>/<arch>/chainctl. */
const cacheEntries = (j: Job) =>
  readdirSync(j.env.RUNNER_TOOL_CACHE, { recursive: true })
    .map(String)
    .filter((p) => /(^|\/)chainctl$/.test(p) && statSync(join(j.env.RUNNER_TOOL_CACHE, p)).isFile())
/** A job on the same self-hosted runner as `other`: it shares the tool cache. */
const sameRunner = (other: Job) => {
  const j = job(sb)
  j.env.RUNNER_TOOL_CACHE = other.env.RUNNER_TOOL_CACHE
  return j
}
const LOGINS = [
  `auth login --identity ${IDENTITY} -v=0 `,
  `auth login --identity ${IDENTITY} --audience apk.cgr.dev -v=0 `,
  `auth login --identity ${IDENTITY} --audience libraries.cgr.dev -v=0 `,
]
/** The requests the stand-ins served, by what they were for. */
const served = (what: (s: Served) => boolean) => sb.wire.served.filter(what)
const binary = (s: Served) => /\/chainctl_linux_x86_64$/.test(s.url)
const registryLogin = (s: Served) => s.host === 'cgr.dev'
const mode = (path: string) => (statSync(path).mode & 0o777).toString(8)

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

/** A docker whose login fails after `seconds`, the rest of it the real one's. */
function failingDockerLogin(j: Job, seconds: number): void {
  const bin = join(j.dir, 'slow-docker')
  mkdirSync(bin)
  const real = execFileSync('sh', ['-c', 'command -v docker'], { env: j.env }).toString().trim()
  const script = `#!/bin/sh\n[ "$1" = login ] || exec ${real} "$@"\ncat >/dev/null; sleep ${seconds}; echo "Error response from daemon: denied" >&2; exit 1\n`
  writeFileSync(join(bin, 'docker'), script)
  chmodSync(join(bin, 'docker'), 0o755)
  j.env.PATH = `${bin}:${j.env.PATH}`
}

describe('alongside the registry login', () => {
  it('downloads while the login runs, then logs chainctl in three times at once, a token file per audience', async () => {
    sb.wire.delayMs = 100 // a WAN: requests that overlap show it
    const j = job(sb)
    const main = await runStep(j, 'main', { identity: IDENTITY })
    expect(main.code).toBe(0)
    expect(chainctlCalls(j).sort()).toEqual([...LOGINS].sort())
    // The binary was on its way before the registry login was done.
    const [download] = served(binary)
    expect(download.start).toBeLessThan(Math.max(...served(registryLogin).map((s) => s.end)))
    // chainctl's three logins (its own OIDC request, then its own exchange) were all under way together.
    const logins = served((s) => s.url.startsWith('/_apis/token') && s.userAgent.startsWith('chainctl/')).map((oidc) => {
      const exchange = sb.wire.served.find((s) => s.url === '/sts/exchange' && s.presented === oidc.issued)
      return { start: oidc.start, end: exchange?.end ?? Infinity }
    })
    expect(logins).toHaveLength(3)
    expect(Math.max(...logins.map((l) => l.start))).toBeLessThan(Math.min(...logins.map((l) => l.end)))
    // What chainctl saves per login: its own audience's token, 0600, in folders of 0700.
    const cache = tokenCache(j)
    for (const [folder, aud] of [
      ['https:--console-api.enforce.dev', 'https://console-api.enforce.dev'],
      ['apk.cgr.dev', 'apk.cgr.dev'],
      ['libraries.cgr.dev', 'libraries.cgr.dev'],
    ]) {
      const file = join(cache, folder, 'oidc-token')
      expect([mode(join(cache, folder)), mode(file)]).toEqual(['700', '600'])
      const token = readFileSync(file, 'utf8')
      expect(JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString())).toMatchObject({ aud, sub: IDENTITY })
    }
    // The lines of the work done side by side come out in one order, the registry login's first.
    expect(visible(main).filter((l) => !l.startsWith('::debug::'))).toEqual([
      "Requesting the job's OIDC token for audience issuer.enforce.dev",
      `Exchanging it at https://issuer.enforce.dev for identity ${IDENTITY} (audience cgr.dev)`,
      expect.stringMatching(new RegExp(`^Logged in to cgr.dev as ${IDENTITY}; token expires at `)),
      `Downloading chainctl ${LATEST} from https://dl.enforce.dev/chainctl/${LATEST}/chainctl_linux_x86_64`,
      `chainctl ${LATEST} on PATH`,
      `chainctl logged in as ${IDENTITY} (API, apk.cgr.dev, libraries.cgr.dev)`,
    ])

    const post = await runStep(j, 'post')
    expect(visible(post)).toContain('Logged chainctl out')
    expect(existsSync(cache) ? readdirSync(cache) : []).toEqual([])
    expect(readdirSync(j.env.RUNNER_TEMP)).toEqual([]) // the downloaded binary post logged out with, too
    expect(leaks(sb, j, [main, post], { files: true })).toEqual([])
  })

  it.each([
    [
      'the STS refuses the identity',
      { identity: OTHER_IDENTITY },
      /^::error::Chainguard STS refused the token exchange: HTTP 403 PermissionDenied/,
    ],
    [
      'docker login fails',
      { identity: IDENTITY, 'container-cli': 'docker', registry: 'localhost:1' },
      /^::error::docker login localhost:1 failed: /,
    ],
  ])('cancels the download at once, caches nothing and fails with the login message when %s', async (_case, inputs, message) => {
    sb.wire.slow['dl.enforce.dev'] = 5000 // the binary would take 5 s to come
    const j = job(sb)
    const main = await runStep(j, 'main', { ...inputs, version: '0.2.50' })
    expect(main.code).toBe(1)
    expect(visible(main).at(-1)).toMatch(message)
    expect(visible(main).filter((l) => /^(Downloading )?chainctl /.test(l))).toEqual([]) // the log ends with the login's reason
    expect(main.ms).toBeLessThan(4000)
    const [download] = served(binary)
    expect(download).toMatchObject({ aborted: true })
    expect(download.end - download.start).toBeLessThan(4000)
    expect(cacheEntries(j)).toEqual([])
    expect(readFileSync(j.files.path, 'utf8')).toBe('') // no chainctl on PATH
    expect(readdirSync(j.env.RUNNER_TEMP).filter((f) => !f.startsWith('setup-chainctl-'))).toEqual([]) // no download staging left
    expect(chainctlCalls(j)).toEqual([])
    await runStep(j, 'post')
    expect(readdirSync(j.env.RUNNER_TEMP)).toEqual([])
  })

  it('with logout: false, a registry login that fails after chainctl logged in leaves no chainctl token behind', async () => {
    const j = job(sb)
    failingDockerLogin(j, 2) // fails only after chainctl's logins are done
    const main = await runStep(j, 'main', { identity: IDENTITY, 'container-cli': 'docker', logout: 'false' })
    expect(main.code).toBe(1)
    expect(visible(main).at(-1)).toMatch(/^::error::docker login cgr\.dev failed: .*denied/)
    expect(chainctlCalls(j).filter((c) => c.startsWith('auth login'))).toHaveLength(3) // chainctl did log in meanwhile
    await runStep(j, 'post')
    const cache = tokenCache(j)
    expect(existsSync(cache) ? readdirSync(cache, { recursive: true }).filter((f) => String(f).endsWith('oidc-token')) : []).toEqual([])
    expect(readdirSync(j.env.RUNNER_TEMP)).toEqual([])
  })

  it.each(['true', 'false'])(
    'fails with the reason of the API login that was refused, and post logs out the other two (logout: %s)',
    async (logout) => {
      const j = job(sb)
      failChainctlLogins(j, '403 https://console-api.enforce.dev')
      const main = await runStep(j, 'main', { identity: IDENTITY, 'container-cli': 'docker', logout })
      expect(main.code).toBe(1)
      expect(visible(main).at(-1)).toBe(
        '::error::chainctl auth login failed: Error: rpc error: code = PermissionDenied desc = permission denied',
      )
      expect(chainctlCalls(j).filter((c) => c.startsWith('auth login'))).toHaveLength(3)
      const cache = tokenCache(j)
      expect(readdirSync(cache, { recursive: true }).filter((f) => String(f).endsWith('oidc-token'))).toHaveLength(2)
      const post = await runStep(j, 'post')
      expect(visible(post)).toContain('Logged chainctl out')
      expect(existsSync(cache) ? readdirSync(cache) : []).toEqual([])
      expect(readdirSync(j.env.RUNNER_TEMP)).toEqual([])
    },
  )

  it('stops chainctl logins still running when the registry login fails', async () => {
    sb.sts.faults.push(undefined as never, { hang: true }, { hang: true }, { hang: true }) // chainctl's exchanges never answer
    const j = job(sb)
    failingDockerLogin(j, 1)
    const main = await runStep(j, 'main', { identity: IDENTITY, 'container-cli': 'docker' })
    expect(main.code).toBe(1)
    expect(visible(main).at(-1)).toMatch(/^::error::docker login cgr\.dev failed: .*denied/)
    expect(main.ms).toBeLessThan(5000)
    await runStep(j, 'post')
    expect(readdirSync(j.env.RUNNER_TEMP)).toEqual([])
  })

  it('has the post step log out when the install fails after the registry login succeeded', async () => {
    sb.wire.slow['dl.enforce.dev'] = 1500 // the install fails well after the login
    sb.downloads.tamper = true
    const j = job(sb)
    const main = await runStep(j, 'main', { identity: IDENTITY, version: '0.2.50' })
    expect(main.code).toBe(1)
    expect(visible(main).at(-1)).toMatch(/^::error::Checksum mismatch for chainctl_linux_x86_64 0\.2\.50: /)
    expect(served(binary)[0].start).toBeLessThan(Math.max(...served(registryLogin).map((s) => s.end))) // downloading meanwhile
    expect(Object.keys(dockerConfig(j).auths ?? {})).toEqual(['cgr.dev'])
    expect(cacheEntries(j)).toEqual([])
    const post = await runStep(j, 'post')
    expect(visible(post).sort()).toEqual(['Logged out of cgr.dev (docker)', 'Logged out of cgr.dev (podman)'])
    expect(dockerConfig(j).auths ?? {}).toEqual({})
    expect(readdirSync(j.env.RUNNER_TEMP)).toEqual([])
  })
})

describe('env-auth', () => {
  /** HTTP_AUTH as later steps get it: an STS token for the apk host, masked before it was exported. */
  async function expectHttpAuth(j: Job, main: StepResult): Promise<void> {
    expect(main.code).toBe(0)
    const m = /^basic:apk\.cgr\.dev:user:(.+)$/.exec(fileCommands(j.files.env).HTTP_AUTH ?? '')
    expect(m).not.toBeNull()
    const token = m![1]
    expect(sb.sts.issued).toContain(token)
    expect(JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString())).toMatchObject({ aud: 'apk.cgr.dev', sub: IDENTITY })
    expect(main.stdout).toContain(`::add-mask::${token}`)
    expect(main.stdout.indexOf(`::add-mask::${token}`)).toBeLessThan(main.stdout.indexOf('HTTP_AUTH exported'))
    expect(leaks(sb, j, [main])).toEqual([])
    const later = await laterStep(j, 'sh', ['-c', 'test "$HTTP_AUTH" = "basic:apk.cgr.dev:user:$1"', 'sh', token])
    expect(later.code).toBe(0)
  }

  it('exports HTTP_AUTH for the apk host, masked, only when asked', async () => {
    const j = job(sb)
    await expectHttpAuth(j, await runStep(j, 'main', { identity: IDENTITY, 'env-auth': 'true' }))
  })

  it('exports HTTP_AUTH with install: false too: it needs only an STS exchange', async () => {
    const j = job(sb)
    await expectHttpAuth(j, await runStep(j, 'main', { identity: IDENTITY, install: 'false', 'env-auth': 'true' }))
    expect(sb.downloads.requests).toEqual([])
    expect(chainctlCalls(j)).toEqual([])
  })
})
