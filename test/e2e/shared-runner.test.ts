// Jobs sharing a self-hosted machine (one HOME, one tool cache): nothing one job does is seen or
// undone by another. One test per defect a review proved on the previous design (issue 17); where a
// defect is gone by design (a config of the job's own by default), the test shows the guarantee.
import { spawn } from 'node:child_process'
import {
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { IDENTITY, PULL_IDENTITY } from '../sandbox/index.ts'
import { fileCommands, laterStep, runStep, scratchDir, type Job } from '../sandbox/runner.ts'
import {
  anotherUse,
  basic,
  configDiff,
  credentialStore,
  job,
  readJson,
  richDockerConfig,
  skopeo,
  tokenCache,
  useSandbox,
  visible,
  warnings,
  writeDockerConfig,
} from './helpers.ts'

const sb = useSandbox()
const base = { identity: IDENTITY, install: 'false', 'container-cli': 'docker' }
const USERS_OWN = { auth: basic('me', 'my-own') }

/** A job on a self-hosted runner whose HOME other jobs share. */
function selfHosted(home: string, opts: { oidc?: boolean } = {}): Job {
  const j = job(sb, { home, ...opts })
  j.env.RUNNER_ENVIRONMENT = 'self-hosted'
  return j
}
const pullToken = () => ({ username: PULL_IDENTITY, password: sb.pullToken, install: 'false', 'container-cli': 'docker' })
/** A home whose ~/.docker holds the user's settings and own cgr.dev login; returns the config's text. */
function usersHome(): { home: string; file: string; text: string } {
  const home = scratchDir('shared-home-')
  const users = richDockerConfig()
  const text = writeDockerConfig(join(home, '.docker'), { ...users, auths: { ...(users.auths as object), 'cgr.dev': USERS_OWN } })
  return { home, file: join(home, '.docker', 'config.json'), text }
}
const rewrite = (j: Job) => laterStep(j, 'docker', ['logout', 'ghcr.io']) // docker rewrites the whole file

describe("the default on a self-hosted runner: a docker config of the job's own", () => {
  it('(1, 3) writes nothing shared: ~/.docker and its credential store stay as they are while jobs run', async () => {
    const { home, file, text } = usersHome()
    const [a, b] = [selfHosted(home), selfHosted(home, { oidc: false })]
    const store = credentialStore(a)
    writeFileSync(file, JSON.stringify({ ...readJson(file), credsStore: store.name }, null, '\t'))
    const withStore = readFileSync(file, 'utf8')
    b.env.PATH = a.env.PATH
    const main = await runStep(a, 'main', base)
    expect(main.code).toBe(0)
    expect(visible(main)).toContain(
      "Not a GitHub-hosted runner: the login goes to a docker config of this job's own (docker-config: isolated); see docs/shared-runners.md",
    )
    expect((await runStep(b, 'main', pullToken())).code).toBe(0)
    expect(readFileSync(file, 'utf8')).toBe(withStore)
    expect(store.stored()).toEqual([])
    expect(warnings(await runStep(a, 'post'))).toEqual([])
    expect((await skopeo(b)).code).toBe(0) // B's login, untouched by A's post
    expect(fileCommands(b.files.env).REGISTRY_AUTH_FILE).toBe(join(fileCommands(b.files.env).DOCKER_CONFIG, 'config.json'))
    await runStep(b, 'post')
    expect(readFileSync(file, 'utf8')).toBe(withStore)
    expect(text).not.toBe(withStore)
  })

  it('(3) refuses a shared config named by the user whose logins go to a credential store, before writing anything', async () => {
    const { home, file } = usersHome()
    const j = selfHosted(home)
    const store = credentialStore(j)
    writeFileSync(file, JSON.stringify({ ...readJson(file), credsStore: store.name }, null, '\t'))
    const before = readFileSync(file, 'utf8')
    const main = await runStep(j, 'main', { ...base, 'docker-config': '~/.docker' })
    expect(main.code).toBe(1)
    expect(visible(main).at(-1)).toMatch(/credential store "teststore", which every job on this machine shares.*docker-config: isolated/)
    expect(readFileSync(file, 'utf8')).toBe(before)
    expect(store.stored()).toEqual([])
  })
})

describe('a shared config the user names (docker-config: ~/.docker)', () => {
  const shared = { 'docker-config': '~/.docker' }

  it("(1) a docker rewrite between jobs never makes an ended job's pull token the user's", async () => {
    const { home, file, text } = usersHome()
    const [a, b, c] = [selfHosted(home, { oidc: false }), selfHosted(home), selfHosted(home)]
    // main A, rewrite, main B, post A, post B, main C, post C
    expect((await runStep(a, 'main', { ...pullToken(), ...shared })).code).toBe(0)
    expect((await rewrite(a)).code).toBe(0)
    expect((await runStep(b, 'main', { ...base, ...shared })).code).toBe(0)
    expect(warnings(await runStep(a, 'post'))).toEqual([])
    expect((await skopeo(b)).code).toBe(0)
    expect(warnings(await runStep(b, 'post'))).toEqual([])
    expect((await runStep(c, 'main', { ...base, ...shared })).code).toBe(0)
    expect(warnings(await runStep(c, 'post'))).toEqual([])
    const after = readJson(file)
    expect((after.auths as Record<string, unknown>)['cgr.dev']).toEqual(USERS_OWN)
    expect(JSON.stringify(after)).not.toContain(basic(PULL_IDENTITY, sb.pullToken))
    expect(configDiff(JSON.parse(text), after)).toEqual(['auths.ghcr.io']) // logged out by the step
    expect(readdirSync(join(home, '.docker'))).toEqual(['config.json']) // no index, no lock left
  })

  it("(2) a job using a copy of ~/.docker never follows another job's record into ~/.docker", async () => {
    const { home, file, text } = usersHome()
    const [a, c] = [selfHosted(home, { oidc: false }), selfHosted(home)]
    expect((await runStep(a, 'main', { ...pullToken(), ...shared })).code).toBe(0)
    cpSync(join(home, '.docker'), join(home, 'copy'), { recursive: true }) // A's login and its index too
    expect((await runStep(c, 'main', { ...base, 'docker-config': join(home, 'copy') })).code).toBe(0)
    expect(warnings(await runStep(a, 'post'))).toEqual([])
    expect(warnings(await runStep(c, 'post'))).toEqual([])
    expect(readFileSync(file, 'utf8')).toBe(text)
  })

  it('(7) a stale lock of a killed run is taken over by one run at a time: a post and a main at once never erase the login', async () => {
    const { home, file } = usersHome()
    for (let round = 0; round < 3; round++) {
      const [a, b] = [selfHosted(home), selfHosted(home)]
      expect((await runStep(a, 'main', { ...base, ...shared })).code).toBe(0)
      const dead = spawn('true')
      await new Promise((resolve) => dead.once('exit', resolve))
      writeFileSync(
        `${file}.setup-chainctl.lock`,
        JSON.stringify({ pid: dead.pid, host: (await import('node:os')).hostname(), token: 'stale' }),
      )
      mkdirSync(`${file}.setup-chainctl-lock`, { recursive: true }) // the previous version's lock, as a killed run left it
      const [post, main] = await Promise.all([runStep(a, 'post'), runStep(b, 'main', { ...base, ...shared })])
      expect([post.code, main.code]).toEqual([0, 0])
      expect((readJson(file).auths as Record<string, unknown>)['cgr.dev']).not.toEqual(USERS_OWN) // B's login is there
      expect((await skopeo(b)).code).toBe(0)
      await runStep(b, 'post')
      rmSync(`${file}.setup-chainctl-lock`, { recursive: true, force: true })
      expect((readJson(file).auths as Record<string, unknown>)['cgr.dev']).toEqual(USERS_OWN)
    }
  })

  it('(7) a lock whose owner lives is waited for, past any time limit, and taken over once that owner is gone', async () => {
    const { home, file } = usersHome()
    const owner = spawn('sleep', ['30'])
    writeFileSync(`${file}.setup-chainctl.lock`, JSON.stringify({ pid: owner.pid, host: hostname(), token: 'live' }))
    mkdirSync(`${file}.setup-chainctl-lock`) // the previous version's lock, held as long
    const j = selfHosted(home)
    const main = runStep(j, 'main', { ...base, ...shared })
    await new Promise((resolve) => setTimeout(resolve, 4000))
    expect((readJson(file).auths as Record<string, unknown>)['cgr.dev']).toEqual(USERS_OWN) // nothing written meanwhile
    owner.kill()
    expect((await main).code).toBe(0)
    expect((await skopeo(j)).code).toBe(0)
    rmSync(`${file}.setup-chainctl-lock`, { recursive: true, force: true })
    await runStep(j, 'post')
    expect((readJson(file).auths as Record<string, unknown>)['cgr.dev']).toEqual(USERS_OWN)
  })

  it('(8) an entry naming a file never makes the action write or read that file', async () => {
    const { home, file } = usersHome()
    const settings = join(home, 'settings.json')
    writeFileSync(settings, '{"theme": "dark"}\n', { mode: 0o644 })
    symlinkSync(settings, join(home, 'link.json'))
    const forged = { ...readJson(file), auths: { 'cgr.dev': { ...USERS_OWN, 'setup-chainctl': join(home, 'link.json') } } }
    const text = writeDockerConfig(join(home, '.docker'), forged)
    const j = selfHosted(home)
    expect((await runStep(j, 'main', { ...base, ...shared })).code).toBe(0)
    expect(readFileSync(settings, 'utf8')).toBe('{"theme": "dark"}\n')
    await runStep(j, 'post')
    expect(readFileSync(settings, 'utf8')).toBe('{"theme": "dark"}\n')
    expect(statSync(settings).mode & 0o777).toBe(0o644)
    expect(lstatSync(join(home, 'link.json')).isSymbolicLink()).toBe(true)
    expect(readFileSync(file, 'utf8')).toBe(text)
  })

  it("(3) a config under the job's RUNNER_TEMP copied from a ~/.docker with a credsStore is refused: the store is shared (review)", async () => {
    const { home, file } = usersHome()
    const [a, b] = [selfHosted(home), selfHosted(home)]
    const store = credentialStore(a)
    b.env.PATH = a.env.PATH
    writeFileSync(file, JSON.stringify({ ...readJson(file), credsStore: store.name }, null, '\t'))
    // Each job makes a docker config of its own by hand: a copy of ~/.docker under its RUNNER_TEMP.
    const own = (j: Job) => {
      cpSync(join(home, '.docker'), join(j.env.RUNNER_TEMP, 'docker'), { recursive: true })
      return { ...base, 'docker-config': join(j.env.RUNNER_TEMP, 'docker') }
    }
    // Before: both logged in to the one store, and A's post step erased B's login (skopeo in B failed).
    for (const j of [a, b]) {
      const main = await runStep(j, 'main', own(j))
      expect(main.code).toBe(1)
      expect(visible(main).at(-1)).toMatch(/credential store "teststore", which every job on this machine shares/)
    }
    expect(store.stored()).toEqual([])
  })

  it('(9) a docker-config under RUNNER_TEMP that links to ~/.docker is shared: the credential helper goes elsewhere', async () => {
    const { home, file, text } = usersHome()
    const j = selfHosted(home)
    symlinkSync(join(home, '.docker'), join(j.env.RUNNER_TEMP, 'docker'))
    const main = await runStep(j, 'main', { ...base, 'credential-helper': 'true', 'docker-config': join(j.env.RUNNER_TEMP, 'docker') })
    expect(main.code).toBe(0)
    expect(readFileSync(file, 'utf8')).toBe(text)
    expect((await skopeo(j)).code).toBe(0)
    await runStep(j, 'post')
    expect(readFileSync(file, 'utf8')).toBe(text)
  })

  it("(10) a runner running as root keeps the owner of a user's config", async () => {
    const { home, file } = usersHome()
    chownSync(file, 1234, 1234)
    chownSync(join(home, '.docker'), 1234, 1234)
    const j = selfHosted(home)
    expect((await runStep(j, 'main', { ...base, ...shared })).code).toBe(0)
    expect([statSync(file).uid, statSync(file).gid]).toEqual([1234, 1234])
    await runStep(j, 'post')
    expect([statSync(file).uid, statSync(file).gid]).toEqual([1234, 1234])
  })

  it("(13) a config docker wrote with Go's escapes keeps them while the job runs", async () => {
    const { home, file } = usersHome()
    const text = readFileSync(file, 'utf8').replace('"imagesFormat": "table', '"imagesFormat": "\\u003cb\\u003e \\u0026 table')
    writeFileSync(file, text)
    const j = selfHosted(home)
    expect((await runStep(j, 'main', { ...base, ...shared })).code).toBe(0)
    expect(readFileSync(file, 'utf8')).toContain('"imagesFormat": "\\u003cb\\u003e \\u0026 table')
    await runStep(j, 'post')
    expect(readFileSync(file, 'utf8')).toBe(text)
  })
})

describe('logins to two registries on a fresh HOME', () => {
  it('(11) two jobs (cgr.dev, and cgr.dev:443 with a pull token), the first ending first, leave no file or folder behind', async () => {
    const home = scratchDir('fresh-home-')
    const [a, b] = [selfHosted(home), selfHosted(home, { oidc: false })]
    const shared = { 'docker-config': '~/.docker' }
    expect((await runStep(a, 'main', { ...base, ...shared })).code).toBe(0)
    expect((await runStep(b, 'main', { ...pullToken(), ...shared, registry: 'cgr.dev:443' })).code).toBe(0)
    expect(Object.keys(readJson(join(home, '.docker', 'config.json')).auths as object).sort()).toEqual(['cgr.dev', 'cgr.dev:443'])
    expect(warnings(await runStep(a, 'post'))).toEqual([])
    expect(warnings(await runStep(b, 'post'))).toEqual([])
    expect(readdirSync(home)).toEqual([])
  })

  it('(11) two uses in one job (GitHub-hosted: the default config) leave none either', async () => {
    const home = scratchDir('fresh-home-')
    const j = job(sb, { home })
    const second = anotherUse(j)
    expect((await runStep(j, 'main', base)).code).toBe(0)
    expect((await runStep(second, 'main', { ...pullToken(), registry: 'cgr.dev:443' })).code).toBe(0)
    expect(warnings(await runStep(j, 'post'))).toEqual([])
    expect(warnings(await runStep(second, 'post'))).toEqual([])
    expect(readdirSync(home)).toEqual([])
  })
})

describe("REGISTRY_AUTH_FILE set for every job (the runner's environment)", () => {
  it("(review) the default writes nothing to it: another job's identity never serves this job's podman or skopeo", async () => {
    const home = scratchDir('shared-home-')
    const authFile = join(home, '.config', 'containers', 'auth.json')
    mkdirSync(join(home, '.config', 'containers'), { recursive: true })
    const users = JSON.stringify({ auths: { 'ghcr.io': { auth: basic('me', 'ghcr') } } })
    writeFileSync(authFile, users, { mode: 0o600 })
    const [a, b] = [selfHosted(home), selfHosted(home, { oidc: false })]
    for (const j of [a, b]) j.env.REGISTRY_AUTH_FILE = authFile
    const both = { 'container-cli': 'docker,podman' }
    expect((await runStep(a, 'main', { ...base, ...both })).code).toBe(0)
    expect((await runStep(b, 'main', { ...pullToken(), ...both })).code).toBe(0)
    // Before: both jobs' podman logins went into it, and the latest job's served every job's skopeo.
    expect(readFileSync(authFile, 'utf8')).toBe(users)
    const own = fileCommands(a.files.env).REGISTRY_AUTH_FILE
    expect(own.startsWith(`${a.env.RUNNER_TEMP}/`)).toBe(true)
    expect(readJson(own).auths).toMatchObject({ 'ghcr.io': { auth: basic('me', 'ghcr') } }) // the user's other logins kept
    expect((await skopeo(a)).code).toBe(0)
    await runStep(a, 'post')
    await runStep(b, 'post')
    expect(readFileSync(authFile, 'utf8')).toBe(users)
    expect(existsSync(own)).toBe(false)
  })
})

describe('HOME or RUNNER_TEMP unset', () => {
  it('(12) nothing lands in the checkout: the job folder goes to the system temp folder, said in a line', async () => {
    const tmp = scratchDir('system-tmp-')
    const j = selfHosted(scratchDir('home-'))
    for (const name of ['HOME', 'RUNNER_TEMP', 'XDG_RUNTIME_DIR']) delete j.env[name]
    j.env.TMPDIR = tmp
    const main = await runStep(j, 'main', { ...base, 'container-cli': 'docker,podman' })
    expect(main.code).toBe(0)
    expect(visible(main)).toContain(`::warning::RUNNER_TEMP is not set: this job's files go to a private folder in ${tmp}`)
    expect(readdirSync(j.env.GITHUB_WORKSPACE)).toEqual([])
    const own = fileCommands(j.files.env).DOCKER_CONFIG
    expect(own.startsWith(`${tmp}/setup-chainctl-`)).toBe(true)
    await runStep(j, 'post')
    expect(readdirSync(j.env.GITHUB_WORKSPACE)).toEqual([])
    expect(readdirSync(tmp)).toEqual([])
  })
})

describe('chainctl per job', () => {
  const inputs = { identity: IDENTITY, 'container-cli': 'docker', version: '0.2.50' }
  const sameMachine = (first: Job, home: string) => {
    const j = selfHosted(home)
    j.env.RUNNER_TOOL_CACHE = first.env.RUNNER_TOOL_CACHE
    return j
  }
  const token = (j: Job) => laterStep(j, 'chainctl', ['auth', 'token', '--audience', 'apk.cgr.dev'])

  it("(4) one job's logout leaves another job's tokens, and no token lands in the user's cache", async () => {
    const home = scratchDir('shared-home-')
    const a = selfHosted(home)
    const b = sameMachine(a, home)
    expect((await runStep(a, 'main', inputs)).code).toBe(0)
    expect((await runStep(b, 'main', inputs)).code).toBe(0)
    const [ta, tb] = [(await token(a)).stdout, (await token(b)).stdout]
    expect(ta).toMatch(/^eyJ/)
    // Each job its own login: a token cache of its own (two logins in one second may mint equal tokens).
    expect(tokenCache(b)).not.toBe(tokenCache(a))
    for (const j of [a, b]) expect(existsSync(join(tokenCache(j), 'apk.cgr.dev', 'oidc-token'))).toBe(true)
    expect(visible(await runStep(a, 'post'))).toContain('Logged chainctl out')
    const after = await token(b)
    expect(after.stderr).toBe('')
    expect(after.stdout).toBe(tb)
    expect(existsSync(join(home, '.cache'))).toBe(false)
    await runStep(b, 'post')
  })

  it('(5) later steps and the post step run the verified copy, never a tool-cache file replaced since', async () => {
    const home = scratchDir('shared-home-')
    const first = selfHosted(home)
    expect((await runStep(first, 'main', inputs)).code).toBe(0) // caches 0.2.50
    await runStep(first, 'post')
    const j = sameMachine(first, home)
    expect((await runStep(j, 'main', inputs)).code).toBe(0) // a cache hit
    const cached = readdirSync(j.env.RUNNER_TOOL_CACHE, { recursive: true })
      .map(String)
      .find((f) => f.endsWith('/chainctl'))!
    writeFileSync(join(j.env.RUNNER_TOOL_CACHE, cached), '#!/bin/sh\ntouch "$RUNNER_TEMP/../replaced-ran"\n', { mode: 0o755 })
    expect((await laterStep(j, 'chainctl', ['version'])).stdout.trim()).toBe('GitVersion:    v0.2.50')
    expect(visible(await runStep(j, 'post'))).toContain('Logged chainctl out')
    expect(existsSync(join(j.dir, 'replaced-ran'))).toBe(false)
  })

  it('(6) a tool-cache entry rewritten by another job caching the same version never breaks chainctl in later steps', async () => {
    const j = selfHosted(scratchDir('home-'))
    expect((await runStep(j, 'main', inputs)).code).toBe(0)
    // What tc.cacheFile does first in a cold job caching the same version: empty the folder.
    for (const name of readdirSync(j.env.RUNNER_TOOL_CACHE)) rmSync(join(j.env.RUNNER_TOOL_CACHE, name), { recursive: true })
    const later = await laterStep(j, 'chainctl', ['version'])
    expect(later.stdout.trim()).toBe('GitVersion:    v0.2.50')
    expect(readFileSync(j.files.path, 'utf8')).not.toContain(j.env.RUNNER_TOOL_CACHE)
    await runStep(j, 'post')
  })
})
