// The edges of "left exactly as found" with several jobs on one machine: a fresh HOME, a folder or
// ~/.docker they share, podman's auth file, the credential helper in a folder a user names; end to
// end in the sandbox with the real docker, podman and skopeo.
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { PULL_IDENTITY } from '../sandbox/index.ts'
import { fileCommands, laterStep, runStep, scratchDir } from '../sandbox/runner.ts'
import { job, loginOnly as base, skopeo, useSandbox, warnings } from './helpers.ts'
import { basic, configDiff, readJson, richDockerConfig, writeDockerConfig } from './helpers.ts'

const sb = useSandbox()

describe('two jobs at once on a fresh machine (one HOME, one XDG_RUNTIME_DIR)', () => {
  it.each([
    ['the first to log in ends first', ['a', 'b']],
    ['the last to log in ends first', ['b', 'a']],
  ])('leave no file or folder behind when both have ended (%s)', async (_order, order) => {
    const home = scratchDir('fresh-home-')
    const run = scratchDir('fresh-run-')
    const jobs = { a: job(sb, { home }), b: job(sb, { home }) }
    for (const j of Object.values(jobs)) j.env.XDG_RUNTIME_DIR = run
    expect((await runStep(jobs.a, 'main', base)).code).toBe(0)
    expect((await runStep(jobs.b, 'main', base)).code).toBe(0)
    const [first, second] = order.map((name) => jobs[name as 'a' | 'b'])
    expect(warnings(await runStep(first, 'post'))).toEqual([])
    expect((await skopeo(second)).code).toBe(0) // the job still running keeps its login
    expect(warnings(await runStep(second, 'post'))).toEqual([])
    expect(readdirSync(home)).toEqual([])
    expect(readdirSync(run)).toEqual([])
  })
})

describe('the credential helper with docker-config naming a folder other jobs may use', () => {
  it("is registered in a config of the job's own: another job's docker login there works, and one job ending leaves the other its helper", async () => {
    const home = scratchDir('shared-home-')
    const dir = join(home, 'ci-docker')
    const original = richDockerConfig()
    const text = writeDockerConfig(dir, original)
    const [a, b] = [job(sb, { home }), job(sb, { home })]
    const inputs = { ...base, 'credential-helper': 'true', 'docker-config': dir }
    expect((await runStep(a, 'main', inputs)).code).toBe(0)
    expect((await runStep(b, 'main', inputs)).code).toBe(0)
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe(text) // never names the helper
    for (const j of [a, b])
      expect(configDiff(original, readJson(join(fileCommands(j.files.env).DOCKER_CONFIG, 'config.json')))).toEqual(['credHelpers.cgr.dev'])
    // A third job, without the action, logs docker in to the same folder.
    const other = job(sb, { home, oidc: false })
    other.env.DOCKER_CONFIG = dir
    other.env.TOKEN = sb.pullToken
    const login = await laterStep(other, 'sh', [
      '-c',
      `printf %s "$TOKEN" | docker login cgr.dev -u ${PULL_IDENTITY} --password-stdin && docker logout cgr.dev`,
    ])
    expect(login.stderr).not.toMatch(/executable file not found/)
    expect(login.code).toBe(0)
    expect(warnings(await runStep(a, 'post'))).toEqual([])
    expect((await skopeo(b)).code).toBe(0) // through B's helper, after A ended
    expect(warnings(await runStep(b, 'post'))).toEqual([])
    expect(configDiff(original, readJson(join(dir, 'config.json')))).toEqual([])
  })
})

describe("a job's own config on a machine where jobs share podman's auth file", () => {
  afterEach(() => sb.registry.denied.splice(0))

  it.each([
    ['docker-config: isolated', { 'docker-config': 'isolated' }],
    ['the credential helper', { 'credential-helper': 'true' }],
  ])("with %s, skopeo uses this job's login, not one another job left in podman's auth file", async (_what, inputs) => {
    const home = scratchDir('shared-home-')
    const run = scratchDir('shared-run-')
    const [a, b] = [job(sb, { home }), job(sb, { home, oidc: false })]
    for (const j of [a, b]) j.env.XDG_RUNTIME_DIR = run
    sb.registry.denied.push({ account: PULL_IDENTITY, repository: 'chainguard/hello' }) // B's identity may not pull it
    expect((await runStep(a, 'main', { ...base, ...inputs })).code).toBe(0)
    const bInputs = { username: PULL_IDENTITY, password: sb.pullToken, install: 'false', 'container-cli': 'podman' }
    expect((await runStep(b, 'main', bInputs)).code).toBe(0)
    expect(Object.keys(readJson(join(run, 'containers', 'auth.json')).auths as object)).toEqual(['cgr.dev']) // B's login
    const pull = await skopeo(a)
    expect(pull.stderr).toBe('')
    expect(pull.code).toBe(0)
    await runStep(b, 'post')
    expect(warnings(await runStep(a, 'post'))).toEqual([])
  })
})

describe('several jobs on one ~/.docker', () => {
  it('three jobs, the middle one ends first: the first keeps its login until the last has ended, then the user login is back', async () => {
    const home = scratchDir('shared-home-')
    const users = richDockerConfig()
    const text = writeDockerConfig(join(home, '.docker'), {
      ...users,
      auths: { ...(users.auths as object), 'cgr.dev': { auth: basic('me', 'my-own') } },
    })
    const [a, b, c] = [job(sb, { home }), job(sb, { home }), job(sb, { home })]
    for (const j of [a, b, c]) expect((await runStep(j, 'main', { ...base, 'container-cli': 'docker' })).code).toBe(0)
    expect(warnings(await runStep(b, 'post'))).toEqual([])
    expect(warnings(await runStep(c, 'post'))).toEqual([])
    const pull = await skopeo(a) // A is still running
    expect(pull.stderr).toBe('')
    expect(pull.code).toBe(0)
    expect(warnings(await runStep(a, 'post'))).toEqual([])
    expect(readFileSync(join(home, '.docker', 'config.json'), 'utf8')).toBe(text)
  })

  it("a job killed before its post step: the next run removes its login when that run ends, once the killed job's RUNNER_TEMP is gone", async () => {
    const home = scratchDir('shared-home-')
    const original = richDockerConfig()
    writeDockerConfig(join(home, '.docker'), original)
    const [killed, next] = [job(sb, { home }), job(sb, { home })]
    const inputs = { ...base, 'container-cli': 'docker' }
    expect((await runStep(killed, 'main', inputs)).code).toBe(0)
    for (const name of readdirSync(killed.env.RUNNER_TEMP)) rmSync(join(killed.env.RUNNER_TEMP, name), { recursive: true }) // as the runner does
    expect((await runStep(next, 'main', inputs)).code).toBe(0)
    expect(warnings(await runStep(next, 'post'))).toEqual([])
    expect(configDiff(original, readJson(join(home, '.docker', 'config.json')))).toEqual([])
  })

  it('two jobs with one pull token: after a step made docker rewrite the file, the first to end leaves the other its login', async () => {
    const home = scratchDir('shared-home-')
    writeDockerConfig(join(home, '.docker'), { auths: { 'ghcr.io': { auth: basic('u', 'p') } } })
    const [a, b] = [job(sb, { home, oidc: false }), job(sb, { home, oidc: false })]
    const inputs = { username: PULL_IDENTITY, password: sb.pullToken, install: 'false', 'container-cli': 'docker' }
    for (const j of [a, b]) expect((await runStep(j, 'main', inputs)).code).toBe(0)
    expect((await laterStep(a, 'docker', ['logout', 'ghcr.io'])).code).toBe(0) // docker rewrites the file, dropping the marks
    expect(warnings(await runStep(a, 'post'))).toEqual([])
    const pull = await skopeo(b)
    expect(pull.stderr).toBe('')
    expect(pull.code).toBe(0)
    expect(warnings(await runStep(b, 'post'))).toEqual([])
    expect(readJson(join(home, '.docker', 'config.json'))).toEqual({ auths: {} }) // ghcr.io logged out by the step; nothing of either job left
  })
})
