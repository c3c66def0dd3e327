import { jest } from '@jest/globals'
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { chooseDockerConfig, expandHome, isInside, isolateDockerConfig } from '../../src/registry/dockerfolder.js'
import { DockerConfigError } from '../../src/registry/dockerconfig.js'
import { tempDirs } from '../../test/tempdirs.ts'

const dir = tempDirs('dockerdir-')

describe('docker config folders', () => {
  it('expands ~ as a shell does', () => {
    expect(expandHome('~', '/home/me')).toBe('/home/me')
    expect(expandHome('~/x/y', '/home/me')).toBe('/home/me/x/y')
    expect(expandHome('~x', '/home/me')).toBe('~x')
    expect(expandHome('a/~/b', '/home/me')).toBe('a/~/b')
    expect(expandHome('isolated', '/home/me')).toBe('isolated')
  })

  it('tells a folder inside another', () => {
    expect(isInside('/w/repo/creds', '/w/repo')).toBe(true)
    expect(isInside('/w/repo', '/w/repo')).toBe(true)
    expect(isInside('/w/repo-other', '/w/repo')).toBe(false)
    expect(isInside('/w/..repo', '/w')).toBe(true)
    expect(isInside('/tmp/x', '/w/repo')).toBe(false)
  })

  it("isolates a config without its shared credsStore and the registry's own entries under any spelling, linking everything else", () => {
    const from = dir()
    const to = join(dir(), 'iso')
    writeFileSync(
      join(from, 'config.json'),
      JSON.stringify({
        auths: { a: { auth: 'x' }, 'cgr.dev': { auth: 'eQ==' }, 'https://cgr.dev': { auth: 'eg==' }, 'cgr.dev/v2/': { auth: 'eg==' } },
        credsStore: 'pass',
        credHelpers: { b: 'ecr-login', 'cgr.dev': 'cgr', 'CGR.dev': 'cgr' },
        currentContext: 'remote',
      }),
    )
    writeFileSync(join(from, 'config.json123456'), '') // a temp file of docker's
    mkdirSync(join(from, 'contexts', 'meta'), { recursive: true })
    mkdirSync(join(from, 'cli-plugins'))
    writeFileSync(join(from, 'daemon.json'), '{}')
    expect(isolateDockerConfig(from, to, 'cgr.dev')).toBe('pass')
    expect(JSON.parse(readFileSync(join(to, 'config.json'), 'utf8'))).toEqual({
      auths: { a: { auth: 'x' } },
      credHelpers: { b: 'ecr-login' },
      currentContext: 'remote',
    })
    expect(statSync(join(to, 'config.json')).mode & 0o777).toBe(0o600)
    expect(readdirSync(to).sort()).toEqual(['cli-plugins', 'config.json', 'contexts', 'daemon.json'])
    for (const name of ['cli-plugins', 'contexts', 'daemon.json']) expect(lstatSync(join(to, name)).isSymbolicLink()).toBe(true)
    rmSync(to, { recursive: true, force: true }) // what the post step does: the links go, not what they point to
    expect(existsSync(join(from, 'contexts', 'meta'))).toBe(true)
    expect(isolateDockerConfig(dir(), join(dir(), 'empty'), 'cgr.dev')).toBeUndefined()
    const none = join(dir(), 'none')
    expect(isolateDockerConfig(join(dir(), 'missing'), none, 'cgr.dev')).toBeUndefined()
    expect(readdirSync(none)).toEqual(['config.json']) // no user folder: nothing to link
  })

  it('links a dangling link of the user folder as it is, without a warning', () => {
    const from = dir()
    const to = join(dir(), 'iso')
    symlinkSync(join(from, 'removed-since'), join(from, 'contexts'))
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true)
    isolateDockerConfig(from, to, 'cgr.dev')
    const printed = out.mock.calls.map((c) => String(c[0]))
    jest.restoreAllMocks()
    expect(printed).toEqual([])
    expect(lstatSync(join(to, 'contexts')).isSymbolicLink()).toBe(true)
  })
  it.each([
    ['a string', '"cgr.dev"'],
    ['a number', '42'],
    ['null', 'null'],
    ['a list', '[]'],
  ])('refuses a config whose auths is %s, writing nothing, rather than passing its credentials on unread', (_kind, auths) => {
    const from = dir()
    const to = join(dir(), 'iso')
    writeFileSync(join(from, 'config.json'), `{"auths": ${auths}, "credHelpers": {"cgr.dev": "cgr"}}`)
    expect(() => isolateDockerConfig(from, to, 'cgr.dev')).toThrow(`${join(from, 'config.json')}: "auths" is not a JSON object`)
    expect(readdirSync(to)).toEqual([])
  })
})

describe('choosing the docker config a job logs in to', () => {
  const saved = { ...process.env }
  let printed: string[]
  let envFile: string
  beforeEach(() => {
    printed = []
    jest.spyOn(process.stdout, 'write').mockImplementation((line) => (printed.push(String(line)), true))
    envFile = join(dir(), 'github-env')
    writeFileSync(envFile, '')
    process.env.GITHUB_ENV = envFile
  })
  afterEach(() => {
    jest.restoreAllMocks()
    for (const name of ['GITHUB_ENV', 'DOCKER_CONFIG', 'REGISTRY_AUTH_FILE']) if (saved[name] === undefined) delete process.env[name]
    Object.assign(process.env, saved)
  })
  /** What the step exported for later steps. */
  const exported = () =>
    Object.fromEntries([...readFileSync(envFile, 'utf8').matchAll(/^(\w+)<<(\S+)\n([\s\S]*?)\n\2$/gm)].map((m) => [m[1], m[3]]))
  /** A runner: HOME with a docker config, RUNNER_TEMP, the job's work folder in it. */
  function runner(hosted: boolean, config: object = { auths: { 'ghcr.io': { auth: 'dTpw' }, 'cgr.dev': { auth: 'b2xkOm9sZA==' } } }) {
    const home = dir()
    const temp = dir()
    mkdirSync(join(home, '.docker'))
    writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify(config))
    const work = join(temp, 'setup-chainctl-abcdef')
    mkdirSync(work)
    const env: NodeJS.ProcessEnv = { HOME: home, RUNNER_TEMP: temp, ...(hosted ? { RUNNER_ENVIRONMENT: 'github-hosted' } : {}) }
    return { home, work, env }
  }

  it("on a GitHub-hosted runner logs in to docker's own config, exporting nothing", () => {
    const { home, work, env } = runner(true)
    expect(chooseDockerConfig('', 'cgr.dev', false, work, env)).toBe(join(home, '.docker'))
    expect(exported()).toEqual({})
  })

  it("on any other runner logs in to a config of the job's own, made from the user's without the registry, for docker, podman and skopeo", () => {
    const { work, env } = runner(false)
    const own = join(work, 'docker')
    expect(chooseDockerConfig('', 'cgr.dev', false, work, env)).toBe(own)
    expect(exported()).toEqual({ DOCKER_CONFIG: own, REGISTRY_AUTH_FILE: join(own, 'config.json') })
    expect(JSON.parse(readFileSync(join(own, 'config.json'), 'utf8'))).toEqual({ auths: { 'ghcr.io': { auth: 'dTpw' } } })
    expect(printed.join('')).toContain("Not a GitHub-hosted runner: the login goes to a docker config of this job's own")
  })

  it('refuses a shared config whose logins go to a credential store on a runner jobs share, before any write', () => {
    const { home, work, env } = runner(false, { credsStore: 'pass' })
    const shared = join(home, 'shared')
    mkdirSync(shared)
    writeFileSync(join(shared, 'config.json'), JSON.stringify({ credHelpers: { 'cgr.dev': 'ecr-login' } }))
    for (const [setting, store] of [
      ['~/.docker', 'pass'],
      [shared, 'ecr-login'],
    ])
      expect(() => chooseDockerConfig(setting, 'cgr.dev', false, work, env)).toThrow(
        new DockerConfigError(
          `docker-config ${setting === shared ? shared : join(home, '.docker')} keeps logins in the credential store "${store}", which every job on this machine shares: one job's logout would erase the others'. Use docker-config: isolated (the default on self-hosted runners) or a folder without credsStore.`,
        ),
      )
    expect(readdirSync(work)).toEqual([])
    expect(exported()).toEqual({})
    // a store named by an empty string is none, as docker reads it; no store, nothing to refuse
    for (const config of [{ credsStore: '' }, { auths: {} }]) {
      writeFileSync(join(shared, 'config.json'), JSON.stringify(config))
      expect(chooseDockerConfig(shared, 'cgr.dev', false, work, env)).toBe(shared)
    }
    // a hosted runner is one job's: its config may keep logins in a store
    expect(chooseDockerConfig('~/.docker', 'cgr.dev', false, work, { ...env, RUNNER_ENVIRONMENT: 'github-hosted' })).toBe(
      join(home, '.docker'),
    )
  })

  it('isolated on request, leaving out the credential store with a warning', () => {
    const { work, env } = runner(true, { credsStore: 'osxkeychain', psFormat: 'table' })
    expect(chooseDockerConfig('isolated', 'cgr.dev', false, work, env)).toBe(join(work, 'docker'))
    expect(JSON.parse(readFileSync(join(work, 'docker', 'config.json'), 'utf8'))).toEqual({ psFormat: 'table' })
    expect(printed.join('')).toContain(
      '::warning::The isolated docker config leaves out credsStore "osxkeychain": credentials kept in that store are not available in it.',
    )
    printed.length = 0
    const plain = runner(true, { psFormat: 'table' })
    chooseDockerConfig('isolated', 'cgr.dev', false, plain.work, plain.env)
    expect(printed.join('')).not.toContain('::warning::') // no store, nothing left out
    expect(printed.join('')).not.toContain('credential helper') // none asked for
  })

  it("registers a credential helper only in a config of the job's own, a folder under RUNNER_TEMP named for it included", () => {
    const { home, work, env } = runner(true)
    expect(chooseDockerConfig('', 'cgr.dev', true, work, env)).toBe(join(work, 'docker'))
    expect(printed.join('')).toContain("The credential helper is registered in a docker config of this job's own, never in a shared one")
    const named = join(env.RUNNER_TEMP!, 'my-docker')
    expect(chooseDockerConfig(named, 'cgr.dev', true, work, env)).toBe(named)
    expect(exported().DOCKER_CONFIG).toBe(named)
    // a link under RUNNER_TEMP to the user's folder is the user's folder: shared
    symlinkSync(join(home, '.docker'), join(env.RUNNER_TEMP!, 'linked'))
    expect(chooseDockerConfig(join(env.RUNNER_TEMP!, 'linked'), 'cgr.dev', true, work, env)).toBe(join(work, 'docker'))
  })

  it("gives skopeo and buildah a copy of a shared REGISTRY_AUTH_FILE without the registry, and keeps one of the job's own", () => {
    const { home, work, env } = runner(false)
    const shared = join(home, 'auth.json')
    writeFileSync(shared, JSON.stringify({ auths: { 'quay.io': { auth: 'cTpx' }, 'https://cgr.dev': { auth: 'b2xkOm9sZA==' } } }))
    chooseDockerConfig('', 'cgr.dev', false, work, { ...env, REGISTRY_AUTH_FILE: shared })
    const copy = join(work, 'containers', 'auth.json')
    expect(exported().REGISTRY_AUTH_FILE).toBe(copy)
    expect(JSON.parse(readFileSync(copy, 'utf8'))).toEqual({ auths: { 'quay.io': { auth: 'cTpx' } } })
    expect(statSync(copy).mode & 0o777).toBe(0o600)
    writeFileSync(envFile, '')
    const jobs = join(env.RUNNER_TEMP!, 'auth.json')
    chooseDockerConfig('', 'cgr.dev', false, work, { ...env, REGISTRY_AUTH_FILE: jobs })
    expect(exported().REGISTRY_AUTH_FILE).toBeUndefined() // already the job's own: left as it is
    writeFileSync(envFile, '')
    const dockers = join(home, '.docker', 'config.json') // docker's own config, which the job's own replaces
    chooseDockerConfig('', 'cgr.dev', false, work, { ...env, REGISTRY_AUTH_FILE: dockers })
    expect(exported().REGISTRY_AUTH_FILE).toBe(join(work, 'docker', 'config.json'))
  })

  it('warns when the config named is inside the checkout, where an upload or a cache can pick the credential up', () => {
    const { work, env } = runner(true)
    const workspace = dir()
    const inside = join(workspace, '.docker')
    expect(chooseDockerConfig(inside, 'cgr.dev', false, work, { ...env, GITHUB_WORKSPACE: workspace })).toBe(inside)
    expect(printed.join('')).toContain(`::warning::The docker config ${inside} is inside GITHUB_WORKSPACE`)
    printed.length = 0
    chooseDockerConfig('~/.docker', 'cgr.dev', false, work, { ...env, GITHUB_WORKSPACE: workspace })
    expect(printed.join('')).not.toContain('::warning::')
  })
})
