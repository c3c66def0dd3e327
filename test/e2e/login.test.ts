// End to end: the committed bundle, run as the runner runs it, against the sandbox's OIDC, STS
// and a real registry, with the real docker CLI; a later step pulls with skopeo.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { IDENTITY, OTHER_IDENTITY, PULL_IDENTITY } from '../sandbox/index.ts'
import { laterStep, outputs, runStep, type Job } from '../sandbox/runner.ts'
import { dockerCalls, dockerConfig, job, leaks, useSandbox, visible } from './helpers.ts'

const sb = useSandbox()
beforeEach(() => {
  sb.sts.faults.length = 0
  sb.sts.requests.length = 0
})

const IMAGE = 'docker://cgr.dev/chainguard/hello:latest'
const pull = (j: Job) => laterStep(j, 'skopeo', ['inspect', '--retry-times', '0', IMAGE])

describe('login with the job OIDC token', () => {
  it('logs docker in with the defaults, a later step pulls, and the post step removes access', async () => {
    const j = job(sb)
    const main = await runStep(j, 'main', { identity: IDENTITY })
    expect(main.code).toBe(0)
    expect(visible(main)).toEqual([
      "Requesting the job's OIDC token for audience issuer.enforce.dev",
      `Exchanging it at https://issuer.enforce.dev for identity ${IDENTITY} (audience cgr.dev)`,
      expect.stringMatching(
        new RegExp(`^Logged in to cgr.dev as ${IDENTITY}; token expires at \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$`),
      ),
      'Downloading chainctl 0.2.51 from https://dl.enforce.dev/chainctl/0.2.51/chainctl_linux_x86_64',
      'chainctl 0.2.51 on PATH',
      `chainctl logged in as ${IDENTITY} (API, apk.cgr.dev, libraries.cgr.dev)`,
    ])
    const out = outputs(j)
    expect(out).toEqual({
      identity: IDENTITY,
      registry: 'cgr.dev',
      'chainctl-version': '0.2.51',
      'expires-at': expect.stringMatching(/Z$/),
      dockerconfigjson: expect.stringMatching(new RegExp(`^${j.env.RUNNER_TEMP}/setup-chainctl-[A-Za-z0-9]+/dockerconfigjson$`)),
    })
    const expiresIn = Date.parse(out['expires-at']) - Date.now()
    expect(expiresIn).toBeGreaterThan(55 * 60_000)
    expect(expiresIn).toBeLessThanOrEqual(3600_000)
    expect(Object.keys(dockerConfig(j).auths ?? {})).toEqual(['cgr.dev'])
    // One exchange by the action, then three by chainctl's own logins (API, apk, libraries).
    expect(sb.sts.requests.map((r) => r.status)).toEqual([200, 200, 200, 200])

    const before = await pull(j)
    expect(before.code).toBe(0)
    expect(JSON.parse(before.stdout)).toMatchObject({ Name: 'cgr.dev/chainguard/hello', RepoTags: ['latest'] })

    const post = await runStep(j, 'post')
    expect(post.code).toBe(0)
    // chainctl logs in alongside the registry login, so its logout may come first or last.
    expect(visible(post).sort()).toEqual(['Logged chainctl out', 'Logged out of cgr.dev (docker)', 'Logged out of cgr.dev (podman)'])
    expect(existsSync(join(j.home, '.docker'))).toBe(false) // as it was before the job: the action made it
    const after = await pull(j)
    expect(after.code).not.toBe(0)
    expect(after.stderr).toMatch(/unauthorized|authentication required/i)

    // docker logs in to a scratch config of the run's; the action writes and undoes the one entry itself.
    expect(dockerCalls(j)).toEqual(['login cgr.dev --username _token --password-stdin '])
    expect(leaks(sb, j, [main, before, post, after], { files: true })).toEqual([])
  })

  it('leaves the login in place with logout: false', async () => {
    const j = job(sb)
    expect((await runStep(j, 'main', { identity: IDENTITY, logout: 'false' })).code).toBe(0)
    const post = await runStep(j, 'post')
    expect(visible(post)).toEqual(['Nothing to log out of.'])
    expect((await pull(j)).code).toBe(0)
    expect(dockerCalls(j)).toHaveLength(1)
  })

  it('explains a missing id-token permission, with no request and no docker call', async () => {
    const j = job(sb, { oidc: false })
    const main = await runStep(j, 'main', { identity: IDENTITY })
    expect(main.code).toBe(1)
    expect(visible(main)).toEqual([
      "Requesting the job's OIDC token for audience issuer.enforce.dev",
      "::error::The job has no GitHub OIDC token: add 'permissions: id-token: write' to the job or workflow (a job's own permissions replace the workflow's).",
    ])
    expect(sb.sts.requests).toHaveLength(0)
    expect(dockerCalls(j)).toEqual([])
    expect(visible(await runStep(j, 'post'))).toEqual(['Nothing to log out of.'])
  })

  it('shows the claims on an identity mismatch after exactly one STS request', async () => {
    const j = job(sb)
    const main = await runStep(j, 'main', { identity: OTHER_IDENTITY })
    expect(main.code).toBe(1)
    expect(visible(main).slice(2)).toEqual([
      "The job's OIDC token presented these claims:",
      '  iss: "https://token.actions.githubusercontent.com"',
      '  aud: "issuer.enforce.dev"',
      '  sub: "repo:acme/app:ref:refs/heads/main"',
      `Identity ${OTHER_IDENTITY} must name this issuer, a subject (or subject pattern) matching sub, and this audience.`,
      `Inspect it with: chainctl iam identities describe ${OTHER_IDENTITY}`,
      expect.stringMatching(
        /^sub is the branch form for main: .*--subject=repo:acme\/app:ref:refs\/heads\/main --audience=issuer.enforce.dev /,
      ),
      expect.stringMatching(
        /^::error::Chainguard STS refused the token exchange: HTTP 403 PermissionDenied: permission denied: subject "repo:acme\/app:ref:refs\/heads\/main" does not match this identity \(/,
      ),
    ])
    expect(sb.sts.requests.map((r) => r.status)).toEqual([403])
    expect(dockerCalls(j)).toEqual([])
    expect(leaks(sb, j, [main])).toEqual([])
  })

  it('recovers from transient 503s, logging each retry', async () => {
    sb.sts.faults.push({ status: 503 }, { status: 503 })
    const j = job(sb)
    const main = await runStep(j, 'main', { identity: IDENTITY, install: 'false' })
    expect(main.code).toBe(0)
    expect(visible(main).filter((l) => l.startsWith('::warning::'))).toEqual([
      expect.stringMatching(/^::warning::Chainguard STS answered HTTP 503; retry 1\/4 in \d\.\ds$/),
      expect.stringMatching(/^::warning::Chainguard STS answered HTTP 503; retry 2\/4 in \d\.\ds$/),
    ])
    expect(sb.sts.requests.map((r) => r.status)).toEqual([503, 503, 200])
    await runStep(j, 'post')
  })

  it("honours Retry-After on 429, with the rate-limit schedule's jitter on top", async () => {
    sb.sts.faults.push({ status: 429, retryAfter: '2' })
    const j = job(sb)
    const main = await runStep(j, 'main', { identity: IDENTITY, install: 'false' })
    expect(main.code).toBe(0)
    expect(main.ms).toBeGreaterThanOrEqual(2000)
    const retry = visible(main).find((l) => l.includes('answered HTTP 429')) ?? ''
    expect(retry).toMatch(/^::warning::Chainguard STS answered HTTP 429; retry 1\/9 in \d+\.\ds$/)
    expect(Number(/in (\d+\.\d)s$/.exec(retry)?.[1])).toBeGreaterThanOrEqual(2) // Retry-After, then up to 45 s of jitter
    await runStep(j, 'post')
  }, 90_000)

  it('fails clearly on an HTML reply', async () => {
    sb.sts.faults.push(...Array(5).fill({ html: true }))
    const j = job(sb)
    const main = await runStep(j, 'main', { identity: IDENTITY })
    expect(main.code).toBe(1)
    expect(visible(main).at(-1)).toBe(
      '::error::Chainguard STS answered HTTP 502 with an unexpected body (text/html), not a grpc-gateway status (the STS is failing; retry the job later)',
    )
    expect(dockerCalls(j)).toEqual([])
  })

  it('ends a hanging STS by its own timeout', async () => {
    sb.sts.faults.push(...Array(5).fill({ hang: true }))
    const j = job(sb)
    const main = await runStep(j, 'main', { identity: IDENTITY })
    expect(main.code).toBe(1)
    expect(visible(main).at(-1)).toMatch(/^::error::Chainguard STS request failed \(timed out\) after [23] attempt\(s\) in \d+\.\ds$/)
    expect(main.ms).toBeLessThan(35_000)
    expect(dockerCalls(j)).toEqual([])
  }, 60_000)

  it('ends an STS that drips its answer within the overall deadline, leaving nothing behind', async () => {
    sb.sts.faults.push(...Array(5).fill({ drip: 2000 })) // one byte every 2 s: no idle timer ever fires
    const j = job(sb)
    const config = join(j.home, '.docker', 'config.json')
    const theirs = '{\n\t"auths": {\n\t\t"ghcr.io": {\n\t\t\t"auth": "b3RoZXI6am9i"\n\t\t}\n\t}\n}'
    mkdirSync(dirname(config), { recursive: true })
    writeFileSync(config, theirs, { mode: 0o600 })
    const main = await runStep(j, 'main', { identity: IDENTITY })
    expect(main.code).toBe(1)
    expect(main.ms).toBeLessThan(32_000) // the 30 s deadline, and Node starting
    const retry = (n: number) => new RegExp(`^::warning::Chainguard STS request failed \\(timed out\\); retry ${n}/4 in \\d\\.\\ds$`)
    expect(visible(main).slice(2)).toEqual([
      expect.stringMatching(retry(1)),
      expect.stringMatching(retry(2)),
      expect.stringMatching(/^::error::Chainguard STS request failed \(timed out\) after 3 attempt\(s\) in 30\.\ds$/),
    ])
    expect(main.stderr).toBe('') // one line, no stack trace
    expect(sb.sts.requests).toHaveLength(3)
    const post = await runStep(j, 'post')
    expect(post.code).toBe(0)
    expect(readFileSync(config, 'utf8')).toBe(theirs)
    expect(readdirSync(j.env.RUNNER_TEMP)).toEqual([])
    expect(dockerCalls(j)).toEqual([])
  }, 60_000)
})

describe('bad inputs', () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['a shell metacharacter in identity', { identity: `${IDENTITY};id` }, /^::error::Input 'identity' must be a Chainguard identity ID/],
    ['a newline in registry', { identity: IDENTITY, registry: 'cgr.dev\nevil' }, /^::error::Input 'registry' must be a host name/],
    ['an option-like registry', { identity: IDENTITY, registry: '--username=x' }, /^::error::Input 'registry' must be a host name/],
    ['$() in environment', { identity: IDENTITY, environment: '$(id)' }, /^::error::Input 'environment' must be a host name/],
    [
      'a 5000-character identity',
      { identity: 'a'.repeat(5000) },
      /^::error::Input 'identity' must be at most 260 characters long, not 5000$/,
    ],
    [
      'identity with a pull token',
      { identity: IDENTITY, username: PULL_IDENTITY, password: 'x' },
      /^::error::Input 'identity' must be empty/,
    ],
  ]
  it.each(cases)('rejects %s before any request, without calling docker', async (_name, inputs, message) => {
    const j = job(sb)
    const requests = sb.github.requests
    const main = await runStep(j, 'main', inputs)
    expect(main.code).toBe(1)
    expect(visible(main)).toEqual([expect.stringMatching(message)])
    expect(main.stderr).toBe('')
    expect(sb.github.requests).toBe(requests)
    expect(sb.sts.requests).toHaveLength(0)
    expect(dockerCalls(j)).toEqual([])
  })
})

describe('pull token login', () => {
  it('logs in as the identity with the pull token on stdin', async () => {
    const j = job(sb, { oidc: false })
    const main = await runStep(j, 'main', { username: PULL_IDENTITY, password: sb.pullToken })
    expect(main.code).toBe(0)
    expect(main.stdout).toContain(`::add-mask::${sb.pullToken}`)
    expect(outputs(j)).toMatchObject({ identity: PULL_IDENTITY, registry: 'cgr.dev', 'expires-at': expect.stringMatching(/Z$/) })
    expect((await pull(j)).code).toBe(0)
    expect(dockerCalls(j)).toEqual([`login cgr.dev --username ${PULL_IDENTITY} --password-stdin `])
    const post = await runStep(j, 'post')
    expect((await pull(j)).code).not.toBe(0)
    expect(leaks(sb, j, [main, post])).toEqual([])
  })

  it("fails with the registry's reason when it rejects the token, leaving nothing behind", async () => {
    const j = job(sb, { oidc: false })
    const main = await runStep(j, 'main', { username: PULL_IDENTITY, password: 'not-the-pull-token-0123456789' })
    expect(main.code).toBe(1)
    expect(visible(main).at(-1)).toMatch(/^::error::docker login cgr.dev failed: .*(unauthorized|authentication required)/i)
    expect(dockerConfig(j).auths ?? {}).toEqual({})
    expect(visible(await runStep(j, 'post'))).toEqual(['Nothing to log out of.'])
  })
})
