// chainctl through the tool cache, against the sandbox's download server and its fake chainctl.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { LATEST } from '../sandbox/downloads.ts'
import { IDENTITY, PULL_IDENTITY, startSandbox, type Sandbox } from '../sandbox/index.ts'
import { fileCommands, laterStep, outputs, runStep, type Job } from '../sandbox/runner.ts'
import { job, leaks, visible } from './helpers.ts'

let sb: Sandbox
beforeAll(async () => {
  sb = await startSandbox()
})
afterAll(() => sb.stop())
beforeEach(() => {
  sb.downloads.requests.length = 0
  sb.downloads.tamper = false
  sb.downloads.faults.length = 0
})

const chainctlCalls = (j: Job) => {
  const log = join(j.dir, 'chainctl-argv.log')
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []
}
const cacheEntries = (j: Job) => {
  const dir = join(j.env.RUNNER_TOOL_CACHE, 'chainctl')
  return existsSync(dir) ? readdirSync(dir) : []
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
    expect(cacheEntries(j)).toEqual([LATEST])
    const later = await laterStep(j, 'chainctl', ['version'])
    expect(later.stdout.trim()).toBe(`GitVersion:    v${LATEST}`)
    expect(chainctlCalls(j)).toEqual([
      `auth login --identity ${IDENTITY} -v=0 `,
      `auth login --identity ${IDENTITY} --audience apk.cgr.dev -v=0 `,
      `auth login --identity ${IDENTITY} --audience libraries.cgr.dev -v=0 `,
      'version ',
    ])
    expect(fileCommands(j.files.env)).toEqual({})
    const post = await runStep(j, 'post')
    expect(visible(post)[0]).toBe('Logged chainctl out')
    expect(chainctlCalls(j).at(-1)).toBe('auth logout ')
    expect(leaks(sb, j, [main, later, post])).toEqual([])
    expect(chainctlCalls(j).join('\n')).not.toMatch(/eyJ/)
  })

  it('installs a pinned version, and a warm tool cache downloads nothing', async () => {
    const toolcache = job(sb).env.RUNNER_TOOL_CACHE
    const first = job(sb)
    first.env.RUNNER_TOOL_CACHE = toolcache
    expect((await runStep(first, 'main', { identity: IDENTITY, version: '0.2.50' })).code).toBe(0)
    expect(sb.downloads.requests).toHaveLength(2)
    sb.downloads.requests.length = 0

    const second = job(sb)
    second.env.RUNNER_TOOL_CACHE = toolcache
    const main = await runStep(second, 'main', { identity: IDENTITY, version: '0.2.50' })
    expect(main.code).toBe(0)
    expect(visible(main)).toContain('chainctl 0.2.50 on PATH (from the tool cache)')
    expect(sb.downloads.requests).toEqual([])
    expect((await laterStep(second, 'chainctl', ['version'])).stdout.trim()).toBe('GitVersion:    v0.2.50')
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
    expect(readdirSync(j.env.RUNNER_TEMP)).toEqual([expect.stringMatching(/^setup-chainctl-[0-9a-f]+$/)]) // no download staging left
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

describe('env-auth', () => {
  it('exports HTTP_AUTH for the apk host, masked, only when asked', async () => {
    const j = job(sb)
    const main = await runStep(j, 'main', { identity: IDENTITY, 'env-auth': 'true' })
    expect(main.code).toBe(0)
    const httpAuth = fileCommands(j.files.env).HTTP_AUTH
    const m = /^basic:apk\.cgr\.dev:user:(.+)$/.exec(httpAuth)
    expect(m).not.toBeNull()
    const token = m![1]
    expect(JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString())).toMatchObject({ aud: 'apk.cgr.dev', sub: IDENTITY })
    expect(main.stdout).toContain(`::add-mask::${token}`)
    expect(main.stdout.indexOf(`::add-mask::${token}`)).toBeLessThan(main.stdout.indexOf('HTTP_AUTH exported'))
    expect(leaks(sb, j, [main])).toEqual([])
    expect((await laterStep(j, 'sh', ['-c', 'test -n "$HTTP_AUTH"'])).code).toBe(0)
  })
})
