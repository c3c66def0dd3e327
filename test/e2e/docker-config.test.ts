// Long jobs (a refreshing credential helper), shared runners (isolated docker configs) and
// Kubernetes (a registry-only .dockerconfigjson), end to end in the sandbox.
import { mkdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { IDENTITY } from '../sandbox/index.ts'
import { fileCommands, laterStep, outputs, runStep, scratchDir } from '../sandbox/runner.ts'
import { dockerCalls, job, leaks, skopeo, useSandbox, visible } from './helpers.ts'

const IMAGE = 'docker://cgr.dev/chainguard/hello:latest'
const mode = (path: string) => (statSync(path).mode & 0o777).toString(8)

describe('credential helper', () => {
  const sb = useSandbox({ ttl: 60 }) // tokens that expire within the test

  it('keeps a later step pulling after the first token has expired', async () => {
    const j = job(sb)
    const main = await runStep(j, 'main', { identity: IDENTITY, install: 'false', 'credential-helper': 'true' })
    expect(main.code).toBe(0)
    expect(dockerCalls(j)).toEqual([]) // no static login
    // In a docker config of the job's own, never in the shared ~/.docker.
    const ownConfig = join(fileCommands(j.files.env).DOCKER_CONFIG, 'config.json')
    expect(ownConfig.startsWith(j.env.RUNNER_TEMP)).toBe(true)
    expect(JSON.parse(readFileSync(ownConfig, 'utf8'))).toEqual({ credHelpers: { 'cgr.dev': 'setup-chainctl' } })
    expect(existsSync(join(j.home, '.docker'))).toBe(false)
    const firstExpiry = Date.parse(outputs(j)['expires-at'])
    const helperDir = readFileSync(j.files.path, 'utf8').trim()
    expect(mode(helperDir)).toBe('700')

    const first = await skopeo(j)
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    const exchanges = sb.sts.requests.length

    await new Promise((r) => setTimeout(r, Math.max(0, firstExpiry - Date.now()) + 1500))
    const later = await skopeo(j)
    expect(later.stderr).toBe('')
    expect(later.code).toBe(0)
    expect(sb.sts.requests.length).toBe(exchanges + 1) // the helper renewed the token
    const cache = JSON.parse(readFileSync(join(helperDir, 'token.json'), 'utf8'))
    expect(cache.exp * 1000).toBeGreaterThan(firstExpiry)
    expect(mode(join(helperDir, 'token.json'))).toBe('600')

    const post = await runStep(j, 'post')
    expect(visible(post)).toEqual(['Removed the credential helper for cgr.dev'])
    expect(existsSync(ownConfig)).toBe(false)
    expect(existsSync(helperDir)).toBe(false)
    expect((await skopeo(j)).code).not.toBe(0)
    expect(leaks(sb, j, [main, first, later, post], { files: true })).toEqual([])
  }, 120_000)

  it('speaks the helper protocol: list, a foreign registry, store refused, erase', async () => {
    const j = job(sb)
    expect((await runStep(j, 'main', { identity: IDENTITY, install: 'false', 'credential-helper': 'true' })).code).toBe(0)
    const helper = (args: string[], input: string) =>
      laterStep(j, 'sh', ['-c', `printf %s '${input}' | docker-credential-setup-chainctl ${args.join(' ')}`])
    expect((await helper(['list'], '')).stdout).toBe('{"cgr.dev":"_token"}\n')
    const foreign = await helper(['get'], 'https://index.docker.io/v1/')
    expect([foreign.code, foreign.stdout]).toEqual([1, 'credentials not found in native keychain\n'])
    const store = await helper(['store'], '{"ServerURL":"cgr.dev","Username":"u","Secret":"s"}')
    expect(store.code).toBe(1)
    expect(store.stderr).toMatch(/^setup-chainctl credential helper: does not store credentials/)
    const get = await helper(['get'], 'https://cgr.dev')
    expect(get.code).toBe(0)
    expect(JSON.parse(get.stdout)).toEqual({ ServerURL: 'https://cgr.dev', Username: '_token', Secret: expect.stringMatching(/^eyJ/) })
    // erase drops the cached token: the next get exchanges a fresh one.
    const exchanges = sb.sts.requests.length
    expect((await helper(['erase'], 'https://cgr.dev')).code).toBe(0)
    const again = await helper(['get'], 'https://cgr.dev')
    expect(again.code).toBe(0)
    expect(sb.sts.requests.length).toBe(exchanges + 1)
    await runStep(j, 'post')
  })
})

describe('docker configs on a shared runner', () => {
  const sb = useSandbox()

  /**
   * Two jobs on one machine with one HOME: A finishes (post) while B still has a step to run.
   * docker only: the shared file at stake is ~/.docker/config.json.
   */
  async function twoJobs(inputs: Record<string, string>) {
    const home = scratchDir('shared-home-')
    mkdirSync(join(home, '.docker'))
    const other = '{\n\t"auths": {\n\t\t"ghcr.io": {\n\t\t\t"auth": "dXNlcjpwYXNz"\n\t\t}\n\t}\n}'
    writeFileSync(join(home, '.docker/config.json'), other, { mode: 0o600 })
    const [a, b] = [job(sb, { home }), job(sb, { home })]
    const mains = await Promise.all(
      [a, b].map((j) => runStep(j, 'main', { identity: IDENTITY, install: 'false', 'container-cli': 'docker', ...inputs })),
    )
    expect(mains.map((m) => m.code)).toEqual([0, 0])
    await runStep(a, 'post')
    const bPull = await skopeo(b)
    await runStep(b, 'post')
    return { home, a, b, bPull, shared: readFileSync(join(home, '.docker/config.json'), 'utf8'), other }
  }

  it("default settings: one job's post step leaves the other its login, and the last leaves the shared config as found", async () => {
    const { bPull, shared, other } = await twoJobs({})
    expect(bPull.stderr).toBe('')
    expect(bPull.code).toBe(0)
    expect(shared).toBe(other)
  })

  it('docker-config: isolated gives each job its own config, carrying the others over', async () => {
    const { home, a, b, bPull, shared, other } = await twoJobs({ 'docker-config': 'isolated' })
    expect(bPull.code).toBe(0) // A's post step did not touch B's login
    expect(shared).toBe(other) // the shared config is byte-for-byte untouched
    for (const j of [a, b]) {
      const dir = fileCommands(j.files.env).DOCKER_CONFIG
      expect(dir.startsWith(j.env.RUNNER_TEMP)).toBe(true)
      expect(existsSync(dir)).toBe(false) // removed by the post step
    }
    expect(mode(join(home, '.docker/config.json'))).toBe('600')
  })

  it('isolated configs hold the carried-over credentials and the login, mode 0600', async () => {
    const home = scratchDir('home-')
    mkdirSync(join(home, '.docker'))
    writeFileSync(join(home, '.docker/config.json'), JSON.stringify({ auths: { 'ghcr.io': { auth: 'eA==' } }, credsStore: 'desktop' }))
    const j = job(sb, { home })
    const main = await runStep(j, 'main', { identity: IDENTITY, install: 'false', 'docker-config': 'isolated' })
    expect(main.code).toBe(0)
    expect(visible(main)).toContainEqual(expect.stringMatching(/^::warning::The isolated docker config leaves out credsStore "desktop"/))
    const file = join(fileCommands(j.files.env).DOCKER_CONFIG, 'config.json')
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).auths).sort()).toEqual(['cgr.dev', 'ghcr.io'])
    expect(mode(file)).toBe('600')
    await runStep(j, 'post')
  })
})

describe('dockerconfigjson for Kubernetes', () => {
  const sb = useSandbox()

  it('holds only this registry, 0600, usable as an auth file, removed by the post step', async () => {
    const home = scratchDir('home-')
    mkdirSync(join(home, '.docker'))
    writeFileSync(join(home, '.docker/config.json'), JSON.stringify({ auths: { 'ghcr.io': { auth: 'dXNlcjpwYXNz' } } }))
    const j = job(sb, { home })
    const main = await runStep(j, 'main', { identity: IDENTITY, install: 'false' })
    const file = outputs(j).dockerconfigjson
    expect(mode(file)).toBe('600')
    const secret = JSON.parse(readFileSync(file, 'utf8'))
    expect(Object.keys(secret.auths)).toEqual(['cgr.dev'])
    expect(Buffer.from(secret.auths['cgr.dev'].auth, 'base64').toString()).toMatch(/^_token:eyJ/)
    const pull = await laterStep(j, 'skopeo', ['inspect', '--authfile', file, '--retry-times', '0', IMAGE])
    expect(pull.code).toBe(0)
    await runStep(j, 'post')
    expect(existsSync(file)).toBe(false)
    expect(leaks(sb, j, [main, pull], { files: true })).toEqual([])
  })
})
