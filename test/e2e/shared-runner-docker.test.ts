// Jobs sharing a self-hosted machine (one HOME, one tool cache): nothing one job does is seen or
// undone by another. One test per defect a review proved on the previous design (issue 17), by its
// number, in shared-runner-*.test.ts; where a defect is gone by design (a config of the job's own
// by default), the test shows the guarantee. Here: the docker config, the job's own by default, or
// a shared one the user names.
import { spawn } from 'node:child_process'
import { chownSync, cpSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { PULL_IDENTITY } from '../sandbox/index.ts'
import { fileCommands, laterStep, runStep, scratchDir, type Job } from '../sandbox/runner.ts'
import { dockerLoginOnly as base, pullTokenLogin, selfHosted, skopeo, useSandbox, visible, warnings } from './helpers.ts'
import { basic, configDiff, credentialStore, readJson, richDockerConfig, writeDockerConfig } from './helpers.ts'

const sb = useSandbox()
const USERS_OWN = { auth: basic('me', 'my-own') }
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
    const [a, b] = [selfHosted(sb, home), selfHosted(sb, home, { oidc: false })]
    const store = credentialStore(a)
    writeFileSync(file, JSON.stringify({ ...readJson(file), credsStore: store.name }, null, '\t'))
    const withStore = readFileSync(file, 'utf8')
    b.env.PATH = a.env.PATH
    const main = await runStep(a, 'main', base)
    expect(main.code).toBe(0)
    expect(visible(main)).toContain(
      "Not a GitHub-hosted runner: the login goes to a docker config of this job's own (docker-config: isolated); see docs/shared-runners.md",
    )
    expect((await runStep(b, 'main', pullTokenLogin(sb))).code).toBe(0)
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
    const j = selfHosted(sb, home)
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
    const [a, b, c] = [selfHosted(sb, home, { oidc: false }), selfHosted(sb, home), selfHosted(sb, home)]
    // main A, rewrite, main B, post A, post B, main C, post C
    expect((await runStep(a, 'main', { ...pullTokenLogin(sb), ...shared })).code).toBe(0)
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
    const [a, c] = [selfHosted(sb, home, { oidc: false }), selfHosted(sb, home)]
    expect((await runStep(a, 'main', { ...pullTokenLogin(sb), ...shared })).code).toBe(0)
    cpSync(join(home, '.docker'), join(home, 'copy'), { recursive: true }) // A's login and its index too
    expect((await runStep(c, 'main', { ...base, 'docker-config': join(home, 'copy') })).code).toBe(0)
    expect(warnings(await runStep(a, 'post'))).toEqual([])
    expect(warnings(await runStep(c, 'post'))).toEqual([])
    expect(readFileSync(file, 'utf8')).toBe(text)
  })

  it('(7) a stale lock of a killed run is taken over by one run at a time: a post and a main at once never erase the login', async () => {
    const { home, file } = usersHome()
    for (let round = 0; round < 3; round++) {
      const [a, b] = [selfHosted(sb, home), selfHosted(sb, home)]
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
    const j = selfHosted(sb, home)
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
    const j = selfHosted(sb, home)
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
    const [a, b] = [selfHosted(sb, home), selfHosted(sb, home)]
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
    const j = selfHosted(sb, home)
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
    const j = selfHosted(sb, home)
    expect((await runStep(j, 'main', { ...base, ...shared })).code).toBe(0)
    expect([statSync(file).uid, statSync(file).gid]).toEqual([1234, 1234])
    await runStep(j, 'post')
    expect([statSync(file).uid, statSync(file).gid]).toEqual([1234, 1234])
  })

  it("(13) a config docker wrote with Go's escapes keeps them while the job runs", async () => {
    const { home, file } = usersHome()
    const text = readFileSync(file, 'utf8').replace('"imagesFormat": "table', '"imagesFormat": "\\u003cb\\u003e \\u0026 table')
    writeFileSync(file, text)
    const j = selfHosted(sb, home)
    expect((await runStep(j, 'main', { ...base, ...shared })).code).toBe(0)
    expect(readFileSync(file, 'utf8')).toContain('"imagesFormat": "\\u003cb\\u003e \\u0026 table')
    await runStep(j, 'post')
    expect(readFileSync(file, 'utf8')).toBe(text)
  })
})
