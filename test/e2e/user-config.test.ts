// A user's docker and podman setup is left exactly as found: every key of a rich docker config,
// symbolic links, contexts and plugins, a user's own logins and credential helpers, and other jobs
// on the same machine; with docker, podman and both, end to end in the sandbox.
import { appendFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { IDENTITY, PULL_IDENTITY } from '../sandbox/index.ts'
import { fileCommands, laterStep, runStep, scratchDir, type Job } from '../sandbox/runner.ts'
import {
  anotherUse,
  basic,
  configDiff,
  credentialStore,
  job,
  leaks,
  podmanCalls,
  readJson,
  richDockerConfig,
  skopeo,
  useSandbox,
  visible,
  warnings,
  writeDockerConfig,
} from './helpers.ts'

const sb = useSandbox()

/** Who podman (in a later step) is logged in to cgr.dev as, from the auth file it reads itself. */
const podmanLogin = async (j: Job) => {
  const r = await laterStep(j, 'podman', ['login', '--get-login', 'cgr.dev'])
  return r.code === 0 ? r.stdout.trim() : `not logged in: ${r.stderr.trim()}`
}
const podmanAuth = (j: Job) => join(j.env.XDG_RUNTIME_DIR, 'containers', 'auth.json')
const exportedDockerConfig = (j: Job) => fileCommands(j.files.env).DOCKER_CONFIG
const base = { identity: IDENTITY, install: 'false' }

type Placement = 'DOCKER_CONFIG of the job' | 'docker-config: <folder>' | 'docker-config: isolated' | '~/.docker'
const PLACEMENTS: Placement[] = ['DOCKER_CONFIG of the job', 'docker-config: <folder>', 'docker-config: isolated', '~/.docker']
const CLIS = ['docker', 'podman', 'docker,podman']

describe("a user's rich docker config", () => {
  /**
   * The user's config before main, after main and after post: every top-level key and every other
   * registry's entry compared, and the bytes after post.
   */
  async function roundTrip(placement: Placement, clis: string, credsStore: boolean) {
    const j = job(sb)
    const store = credsStore ? credentialStore(j) : undefined
    const userDir =
      placement === 'docker-config: <folder>' || placement === 'DOCKER_CONFIG of the job'
        ? join(j.home, 'ci-docker')
        : join(j.home, '.docker')
    const original = richDockerConfig({ credsStore: store?.name })
    const text = writeDockerConfig(userDir, original)
    const userFile = join(userDir, 'config.json')
    const inputs: Record<string, string> = { ...base, 'container-cli': clis }
    if (placement === 'DOCKER_CONFIG of the job') j.env.DOCKER_CONFIG = userDir
    if (placement === 'docker-config: <folder>') inputs['docker-config'] = userDir
    if (placement === 'docker-config: isolated') inputs['docker-config'] = 'isolated'
    const docker = clis.includes('docker')
    const podman = clis.includes('podman')
    // Where the logins land: podman uses docker's file whenever DOCKER_CONFIG is set.
    const podmanOwnFile = podman && placement === '~/.docker'
    const dockerStore = Boolean(store) && docker && placement !== 'docker-config: isolated'

    const main = await runStep(j, 'main', inputs)
    expect(main.code).toBe(0)
    expect(warnings(main)).toEqual(
      store && placement === 'docker-config: isolated' ? [expect.stringMatching(/leaves out credsStore "teststore"/)] : [],
    )
    const loginFile = placement === 'docker-config: isolated' ? join(exportedDockerConfig(j), 'config.json') : userFile
    // docker's login into a credential store does not touch the file; podman (which cannot read the store) needs an entry.
    const storeOnly = dockerStore && !podman
    if (placement === 'docker-config: isolated' || (!docker && podmanOwnFile) || storeOnly) {
      expect(readFileSync(userFile, 'utf8')).toBe(text) // not touched at all
    }
    if ((docker || !podmanOwnFile) && !storeOnly) {
      const carried = placement === 'docker-config: isolated' ? { ...original, credsStore: undefined } : original
      expect(configDiff(JSON.parse(JSON.stringify(carried)), readJson(loginFile))).toEqual(['auths.cgr.dev'])
      const entry = (readJson(loginFile).auths as Record<string, Record<string, string>>)['cgr.dev']
      expect(Buffer.from(entry.auth, 'base64').toString()).toMatch(/^_token:eyJ/)
    }
    if (podmanOwnFile) expect(Object.keys(readJson(podmanAuth(j)).auths as object)).toEqual(['cgr.dev'])
    if (store) expect(store.stored()).toEqual(dockerStore ? ['cgr.dev'] : [])
    // docker's login serves podman too: podman is not started, its entry (if it needs one) is the action's to write.
    if (docker && podman) expect(podmanCalls(j)).toEqual([])
    if (podman) expect(await podmanLogin(j)).toBe('_token')
    if (!dockerStore || podman) expect((await skopeo(j)).code).toBe(0)

    const post = await runStep(j, 'post')
    expect(warnings(post)).toEqual([])
    expect(readFileSync(userFile, 'utf8')).toBe(text)
    if (store) expect(store.stored()).toEqual([])
    expect(lstatSync(userFile).mode & 0o777).toBe(0o600)
    expect(existsSync(podmanAuth(j))).toBe(false)
    expect(readdirSync(j.env.RUNNER_TEMP)).toEqual([])
    if (podman) expect(await podmanLogin(j)).toMatch(/^not logged in/)
    expect((await skopeo(j)).code).not.toBe(0)
    expect(leaks(sb, j, [main, post], { files: true })).toEqual([])
  }

  describe.each(PLACEMENTS)('in %s', (placement) => {
    it.each(CLIS)('stays as found with container-cli: %s', (clis) => roundTrip(placement, clis, false), 30_000)
  })

  describe('with a credential store (credsStore)', () => {
    it.each(CLIS)(
      'stays as found in DOCKER_CONFIG of the job with container-cli: %s',
      (clis) => roundTrip('DOCKER_CONFIG of the job', clis, true),
      30_000,
    )
    it('is left out of an isolated config, with a warning', () => roundTrip('docker-config: isolated', 'docker,podman', true), 30_000)
  })
})

describe('the post step undoes a login in the file it landed in', () => {
  it('whatever DOCKER_CONFIG a later step exports', async () => {
    const j = job(sb, { oidc: false })
    const original = writeDockerConfig(join(j.home, '.docker'), richDockerConfig())
    const main = await runStep(j, 'main', { username: PULL_IDENTITY, password: sb.pullToken, install: 'false', 'container-cli': 'docker' })
    expect(main.code).toBe(0)
    const elsewhere = scratchDir('elsewhere-')
    appendFileSync(j.files.env, `DOCKER_CONFIG=${elsewhere}\n`) // what a later step may do
    const post = await runStep(j, 'post')
    expect(visible(post)).toEqual(['Logged out of cgr.dev (docker)'])
    expect(Object.keys(readJson(join(j.home, '.docker/config.json')).auths as object)).not.toContain('cgr.dev') // the 30-day pull token
    expect(readFileSync(join(j.home, '.docker/config.json'), 'utf8')).toBe(original)
    expect(readdirSync(elsewhere)).toEqual([])
  })

  it('and a second use with docker-config: isolated', async () => {
    const j = job(sb)
    const second = anotherUse(j)
    const original = writeDockerConfig(join(j.home, '.docker'), richDockerConfig())
    expect((await runStep(j, 'main', { ...base, 'container-cli': 'docker' })).code).toBe(0)
    expect((await runStep(second, 'main', { ...base, 'docker-config': 'isolated' })).code).toBe(0)
    const posts = [await runStep(second, 'post'), await runStep(j, 'post')]
    expect(posts.flatMap(warnings)).toEqual([])
    expect(visible(posts[1])).toEqual(['Logged out of cgr.dev (docker)'])
    expect(Object.keys(readJson(join(j.home, '.docker/config.json')).auths as object)).not.toContain('cgr.dev')
    expect(readFileSync(join(j.home, '.docker/config.json'), 'utf8')).toBe(original)
  })
})

describe('two uses in one job', () => {
  it("leave nothing of either behind, warn about nothing, and bring back the user's own login", async () => {
    const j = job(sb)
    const second = anotherUse(j)
    const users = richDockerConfig()
    const original = writeDockerConfig(join(j.home, '.docker'), {
      ...users,
      auths: { ...(users.auths as object), 'cgr.dev': { auth: basic('me', 'my-own') } },
    })
    const mains = [await runStep(j, 'main', base), await runStep(second, 'main', base)]
    expect(mains.map((m) => m.code)).toEqual([0, 0])
    expect(await podmanLogin(j)).toBe('_token')
    // The runner runs post steps in reverse order.
    const posts = [await runStep(second, 'post'), await runStep(j, 'post')]
    expect(posts.map((p) => p.code)).toEqual([0, 0])
    expect(posts.flatMap(warnings)).toEqual([])
    expect(readFileSync(join(j.home, '.docker/config.json'), 'utf8')).toBe(original)
    expect(existsSync(podmanAuth(j))).toBe(false)
    expect(await podmanLogin(j)).toBe('me') // podman falls back to docker's config: the user's own login
    expect(leaks(sb, j, [...mains, ...posts], { files: true })).toEqual([])
  })
})

describe('the credential helper', () => {
  const helper = { ...base, 'credential-helper': 'true' }

  it('is never visible to another job on the machine, and one job ending leaves the other its login', async () => {
    const home = scratchDir('shared-home-')
    const original = writeDockerConfig(join(home, '.docker'), richDockerConfig())
    const [a, b] = [job(sb, { home }), job(sb, { home })]
    expect((await runStep(a, 'main', helper)).code).toBe(0)
    expect(readFileSync(join(home, '.docker/config.json'), 'utf8')).toBe(original)
    const bMain = await runStep(b, 'main', { ...base, 'container-cli': 'docker' }) // a plain docker login
    expect(visible(bMain).at(-1)).toMatch(/^Logged in to cgr.dev/)
    expect((await skopeo(a)).code).toBe(0) // through the helper
    expect((await runStep(a, 'post')).code).toBe(0)
    expect((await skopeo(b)).code).toBe(0) // A's post step left B's login alone
    await runStep(b, 'post')
    expect(readFileSync(join(home, '.docker/config.json'), 'utf8')).toBe(original)
  })

  it("leaves a user's own credHelpers entry in ~/.docker untouched, registering in a config of the job's own", async () => {
    const j = job(sb)
    const users = richDockerConfig()
    const config = { ...users, credHelpers: { ...(users.credHelpers as object), 'cgr.dev': 'cgr' } } // chainctl auth configure-docker
    const original = writeDockerConfig(join(j.home, '.docker'), config)
    const main = await runStep(j, 'main', helper)
    expect(main.code).toBe(0)
    expect(readFileSync(join(j.home, '.docker/config.json'), 'utf8')).toBe(original)
    const own = readJson(join(exportedDockerConfig(j), 'config.json'))
    expect(configDiff(config, own)).toEqual(['credHelpers.cgr.dev'])
    expect(own.credHelpers).toMatchObject({ 'cgr.dev': 'setup-chainctl' })
    expect((await skopeo(j)).code).toBe(0)
    expect(visible(await runStep(j, 'post'))).toEqual(['Removed the credential helper for cgr.dev'])
    expect(readFileSync(join(j.home, '.docker/config.json'), 'utf8')).toBe(original)
    expect(existsSync(exportedDockerConfig(j))).toBe(false)
  })

  it("leaves a folder named by docker-config untouched too, registering in a config of the job's own made from it", async () => {
    const j = job(sb)
    const dir = join(j.home, 'ci-docker')
    const config = { ...richDockerConfig(), credHelpers: { 'cgr.dev': 'cgr', 'gcr.io': 'gcloud' } }
    const original = writeDockerConfig(dir, config)
    expect((await runStep(j, 'main', { ...helper, 'docker-config': dir })).code).toBe(0)
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe(original)
    const own = readJson(join(exportedDockerConfig(j), 'config.json'))
    expect(configDiff(config, own)).toEqual(['credHelpers.cgr.dev'])
    expect((await skopeo(j)).code).toBe(0)
    expect(visible(await runStep(j, 'post'))).toEqual(['Removed the credential helper for cgr.dev'])
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe(original)
  })

  it("is registered directly in a folder of the job's own under RUNNER_TEMP named by docker-config", async () => {
    const j = job(sb)
    const dir = join(j.env.RUNNER_TEMP, 'my-docker')
    expect((await runStep(j, 'main', { ...helper, 'docker-config': dir })).code).toBe(0)
    expect(exportedDockerConfig(j)).toBe(dir)
    expect(readJson(join(dir, 'config.json'))).toEqual({ credHelpers: { 'cgr.dev': 'setup-chainctl' } })
    expect((await skopeo(j)).code).toBe(0)
    await runStep(j, 'post')
    expect(readdirSync(j.env.RUNNER_TEMP)).toEqual([])
  })
})

describe("an isolated config keeps the rest of the user's docker folder", () => {
  it('contexts (currentContext) and CLI plugins work in later steps as before; the folder is intact after post', async () => {
    const j = job(sb)
    const dir = join(j.home, '.docker')
    const original = writeDockerConfig(dir, { ...richDockerConfig(), currentContext: 'remote' })
    const meta = join(dir, 'contexts', 'meta', createHash('sha256').update('remote').digest('hex'))
    mkdirSync(meta, { recursive: true })
    const endpoint = { Host: 'tcp://127.0.0.1:2375', SkipTLSVerify: false }
    writeFileSync(join(meta, 'meta.json'), JSON.stringify({ Name: 'remote', Metadata: {}, Endpoints: { docker: endpoint } }))
    mkdirSync(join(dir, 'cli-plugins'))
    const plugin = `#!/bin/sh
[ "$1" = docker-cli-plugin-metadata ] && exec echo '{"SchemaVersion":"0.1.0","Vendor":"acme","Version":"1.0","ShortDescription":"hello"}'
echo "hello from the user's plugin"
`
    writeFileSync(join(dir, 'cli-plugins', 'docker-hello'), plugin, { mode: 0o755 })
    const main = await runStep(j, 'main', { ...base, 'docker-config': 'isolated' })
    expect(main.code).toBe(0)
    expect((await laterStep(j, 'docker', ['context', 'show'])).stdout).toBe('remote\n')
    expect((await laterStep(j, 'docker', ['hello'])).stdout).toBe("hello from the user's plugin\n")
    expect((await skopeo(j)).code).toBe(0)
    expect(visible(await runStep(j, 'post'))).toEqual(['Logged out of cgr.dev (docker)'])
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toBe(original)
    expect(readFileSync(join(dir, 'cli-plugins', 'docker-hello'), 'utf8')).toBe(plugin)
    expect(existsSync(join(meta, 'meta.json'))).toBe(true)
  })
})

describe('a config.json that is a symbolic link (dotfiles, mounted configs)', () => {
  async function linked(j: Job): Promise<{ link: string; target: string; original: Record<string, unknown>; text: string }> {
    const original = richDockerConfig()
    const text = writeDockerConfig(join(j.home, 'dotfiles'), original)
    mkdirSync(join(j.home, 'ci-docker'))
    symlinkSync('../dotfiles/config.json', join(j.home, 'ci-docker', 'config.json'))
    return { link: join(j.home, 'ci-docker', 'config.json'), target: join(j.home, 'dotfiles', 'config.json'), original, text }
  }

  it.each(CLIS)('is written through to its target and stays a link, with container-cli: %s', async (clis) => {
    const j = job(sb)
    const { link, target, original, text } = await linked(j)
    j.env.DOCKER_CONFIG = join(j.home, 'ci-docker') // podman too uses it then
    expect((await runStep(j, 'main', { ...base, 'container-cli': clis })).code).toBe(0)
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(configDiff(original, readJson(target))).toEqual(['auths.cgr.dev'])
    expect((await skopeo(j)).code).toBe(0)
    expect(warnings(await runStep(j, 'post'))).toEqual([])
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(readFileSync(target, 'utf8')).toBe(text)
  })

  it("with the credential helper, carried into a config of the job's own", async () => {
    const j = job(sb)
    const { link, target, original, text } = await linked(j)
    expect((await runStep(j, 'main', { ...base, 'credential-helper': 'true', 'docker-config': join(j.home, 'ci-docker') })).code).toBe(0)
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(readFileSync(target, 'utf8')).toBe(text)
    expect(configDiff(original, readJson(join(exportedDockerConfig(j), 'config.json')))).toEqual(['credHelpers.cgr.dev'])
    expect((await skopeo(j)).code).toBe(0)
    await runStep(j, 'post')
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(readFileSync(target, 'utf8')).toBe(text)
  })
})

describe('docker-config: a folder path', () => {
  it('expands ~ to the home folder', async () => {
    const j = job(sb)
    const main = await runStep(j, 'main', { ...base, 'container-cli': 'docker', 'docker-config': '~/ci-docker' })
    expect(main.code).toBe(0)
    expect(warnings(main)).toEqual([])
    expect(exportedDockerConfig(j)).toBe(join(j.home, 'ci-docker'))
    expect(Object.keys(readJson(join(j.home, 'ci-docker', 'config.json')).auths as object)).toEqual(['cgr.dev'])
    expect(readdirSync(j.env.GITHUB_WORKSPACE)).toEqual([]) // no literal ~ folder with a token in the checkout
    await runStep(j, 'post')
    expect(existsSync(join(j.home, 'ci-docker'))).toBe(false) // the action made it, and took it away again
  })

  it('warns when the folder is inside GITHUB_WORKSPACE', async () => {
    const j = job(sb)
    const main = await runStep(j, 'main', { ...base, 'container-cli': 'docker', 'docker-config': 'ci-creds' })
    expect(main.code).toBe(0)
    const dir = join(j.env.GITHUB_WORKSPACE, 'ci-creds')
    expect(warnings(main)).toEqual([
      `::warning::The docker config ${dir} is inside GITHUB_WORKSPACE: the registry credential is written into the checkout, where an artifact upload or a cache can pick it up. Use a folder outside it, or docker-config: isolated.`,
    ])
    await runStep(j, 'post')
    expect(readdirSync(j.env.GITHUB_WORKSPACE)).toEqual([])
  })
})
