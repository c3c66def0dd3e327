// Jobs sharing a self-hosted machine (issue 17's defects, see shared-runner-docker.test.ts), and the
// files outside the docker config: a fresh HOME left empty, podman's REGISTRY_AUTH_FILE set for every
// job, and no HOME or RUNNER_TEMP at all.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileCommands, runStep, scratchDir } from '../sandbox/runner.ts'
import { anotherUse, dockerLoginOnly as base, job, pullTokenLogin, selfHosted, skopeo, useSandbox, visible, warnings } from './helpers.ts'
import { basic, readJson } from './helpers.ts'

const sb = useSandbox()

describe('logins to two registries on a fresh HOME', () => {
  it('(11) two jobs (cgr.dev, and cgr.dev:443 with a pull token), the first ending first, leave no file or folder behind', async () => {
    const home = scratchDir('fresh-home-')
    const [a, b] = [selfHosted(sb, home), selfHosted(sb, home, { oidc: false })]
    const shared = { 'docker-config': '~/.docker' }
    expect((await runStep(a, 'main', { ...base, ...shared })).code).toBe(0)
    expect((await runStep(b, 'main', { ...pullTokenLogin(sb), ...shared, registry: 'cgr.dev:443' })).code).toBe(0)
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
    expect((await runStep(second, 'main', { ...pullTokenLogin(sb), registry: 'cgr.dev:443' })).code).toBe(0)
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
    const [a, b] = [selfHosted(sb, home), selfHosted(sb, home, { oidc: false })]
    for (const j of [a, b]) j.env.REGISTRY_AUTH_FILE = authFile
    const both = { 'container-cli': 'docker,podman' }
    expect((await runStep(a, 'main', { ...base, ...both })).code).toBe(0)
    expect((await runStep(b, 'main', { ...pullTokenLogin(sb), ...both })).code).toBe(0)
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
    const j = selfHosted(sb, scratchDir('home-'))
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
