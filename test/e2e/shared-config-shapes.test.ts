// The edges of "left exactly as found" for one job's config: reached through linked folders, in any
// format, odd docker-config values, the registry under other spellings, and a credential store;
// end to end in the sandbox with the real docker, podman and skopeo.
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileCommands, laterStep, runStep } from '../sandbox/runner.ts'
import { job, loginOnly as base, skopeo, useSandbox, visible, warnings } from './helpers.ts'
import { basic, configDiff, credentialStore, readJson, richDockerConfig, writeDockerConfig } from './helpers.ts'

const sb = useSandbox()

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
