// The edges of "left exactly as found": configs reached through linked folders, files in any
// format, several jobs on one machine, credential stores, and the credential helper in a folder
// a user names; end to end in the sandbox with the real docker, podman and skopeo.
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { IDENTITY, PULL_IDENTITY } from '../sandbox/index.ts'
import { fileCommands, laterStep, runStep, scratchDir } from '../sandbox/runner.ts'
import {
  basic,
  configDiff,
  credentialStore,
  job,
  readJson,
  richDockerConfig,
  skopeo,
  useSandbox,
  visible,
  warnings,
  writeDockerConfig,
} from './helpers.ts'

const sb = useSandbox()

const base = { identity: IDENTITY, install: 'false' }

describe('a config.json reached through a linked folder', () => {
  it('is written where its relative link points from the real folder, as the system reads it', async () => {
    const j = job(sb)
    // ~/.docker -> ~/store/docker, whose config.json -> ../dotfiles/config.json (that is ~/store/dotfiles/config.json)
    mkdirSync(join(j.home, 'store', 'docker'), { recursive: true })
    const original = richDockerConfig()
    const text = writeDockerConfig(join(j.home, 'store', 'dotfiles'), original)
    symlinkSync('../dotfiles/config.json', join(j.home, 'store', 'docker', 'config.json'))
    symlinkSync(join(j.home, 'store', 'docker'), join(j.home, '.docker'))
    const target = join(j.home, 'store', 'dotfiles', 'config.json')
    expect((await runStep(j, 'main', { ...base, 'container-cli': 'docker' })).code).toBe(0)
    expect(configDiff(original, readJson(target))).toEqual(['auths.cgr.dev'])
    expect((await skopeo(j)).code).toBe(0) // reads ~/.docker/config.json through the links
    expect(warnings(await runStep(j, 'post'))).toEqual([])
    expect(readFileSync(target, 'utf8')).toBe(text)
    expect(lstatSync(join(j.home, 'store', 'docker', 'config.json')).isSymbolicLink()).toBe(true)
    expect(readdirSync(j.home).sort()).toEqual(['.docker', 'store']) // no stray folder holding a credential
    expect(existsSync(join(j.home, 'dotfiles'))).toBe(false)
  })
})

describe('a user config in any format', () => {
  const formats: Array<[string, (config: object) => string]> = [
    ['on one line', (c) => JSON.stringify(c)],
    ['with CRLF line ends', (c) => JSON.stringify(c, null, '\t').replace(/\n/g, '\r\n') + '\r\n'],
    ['spaced by hand', (c) => JSON.stringify(c, null, 2).replace(/": /g, '" : ') + '\n\n'],
    ['empty', () => ''],
  ]
  it.each(formats)('comes back byte for byte when written %s, with docker and podman on it', async (_how, format) => {
    const j = job(sb)
    const dir = join(j.home, 'ci-docker')
    mkdirSync(dir)
    const text = format(richDockerConfig())
    writeFileSync(join(dir, 'config.json'), text, { mode: 0o600 })
    j.env.DOCKER_CONFIG = dir // podman uses it too
    const main = await runStep(j, 'main', { ...base, 'container-cli': 'docker,podman' })
    expect(main.code).toBe(0)
    expect((await skopeo(j)).code).toBe(0)
    expect(warnings(await runStep(j, 'post'))).toEqual([])
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe(text)
  })
})

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

describe('docker-config: odd values', () => {
  it('a path to a file fails before any network call, naming the input', async () => {
    const j = job(sb)
    const file = join(j.home, 'not-a-folder')
    writeFileSync(file, 'x')
    const stsCalls = sb.sts.requests.length
    const main = await runStep(j, 'main', { ...base, 'docker-config': file })
    expect(main.code).toBe(1)
    expect(visible(main)).toEqual([`::error::Input 'docker-config' must be empty, 'isolated' or a folder path, not a file; got "${file}"`])
    expect(sb.sts.requests.length).toBe(stsCalls)
    expect(fileCommands(j.files.env)).toEqual({})
  })

  it('~user fails, naming the input, with no folder made in the workspace', async () => {
    const j = job(sb)
    const main = await runStep(j, 'main', { ...base, 'docker-config': '~root/docker' })
    expect(main.code).toBe(1)
    expect(visible(main)).toEqual([
      `::error::Input 'docker-config' must name a folder with ~ or ~/ (your home), not ~user; got "~root/docker"`,
    ])
    expect(readdirSync(j.env.GITHUB_WORKSPACE)).toEqual([])
  })
})

describe('docker-config: isolated', () => {
  it("leaves out the registry's entries under any spelling (https://cgr.dev, cgr.dev/v2/)", async () => {
    const j = job(sb)
    const users = {
      auths: {
        'https://cgr.dev': { auth: basic('me', 'mine') },
        'cgr.dev/v2/': { auth: basic('me', 'old') },
        'ghcr.io': { auth: basic('u', 'p') },
      },
    }
    const text = writeDockerConfig(join(j.home, '.docker'), users)
    expect((await runStep(j, 'main', { ...base, 'docker-config': 'isolated' })).code).toBe(0)
    const own = readJson(join(fileCommands(j.files.env).DOCKER_CONFIG, 'config.json'))
    expect(Object.keys(own.auths as object).sort()).toEqual(['cgr.dev', 'ghcr.io'])
    await runStep(j, 'post')
    expect(readFileSync(join(j.home, '.docker', 'config.json'), 'utf8')).toBe(text)
  })
})

describe('a docker config with a credential store', () => {
  it.each(['docker', 'docker,podman'])(
    'is never rewritten: keys docker does not know, and your own logins under other spellings, stay (container-cli: %s)',
    async (clis) => {
      const j = job(sb)
      const store = credentialStore(j)
      // A key of another tool, and the user's own login kept in the store under https://cgr.dev.
      const users = richDockerConfig({ credsStore: store.name })
      const config = {
        ...users,
        auths: { ...(users.auths as object), 'https://cgr.dev': {} },
        'x-acme-tool': { mirror: 'https://mirror.internal' },
      }
      const dir = join(j.home, 'ci-docker')
      const text = writeDockerConfig(dir, config)
      j.env.DOCKER_CONFIG = dir
      const own = JSON.stringify({ ServerURL: 'https://cgr.dev', Username: 'me', Secret: 'my-own' })
      expect((await laterStep(j, 'sh', ['-c', `printf %s '${own}' | docker-credential-${store.name} store`])).code).toBe(0)
      const main = await runStep(j, 'main', { ...base, 'container-cli': clis })
      expect(main.code).toBe(0)
      if (clis === 'docker') expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe(text)
      else expect(configDiff(config, readJson(join(dir, 'config.json')))).toEqual(['auths.cgr.dev']) // podman's own entry
      expect(store.stored().sort()).toEqual(['cgr.dev', 'https://cgr.dev'])
      const get = await laterStep(j, 'sh', ['-c', `printf cgr.dev | docker-credential-${store.name} get`])
      expect(JSON.parse(get.stdout)).toMatchObject({ ServerURL: 'cgr.dev', Username: '_token' })
      expect(warnings(await runStep(j, 'post'))).toEqual([])
      expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe(text)
      expect(store.stored()).toEqual(['https://cgr.dev'])
    },
  )
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
