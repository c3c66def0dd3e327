// A user's docker and podman setup is left exactly as found: every key of a rich docker config,
// symbolic links, contexts and plugins, a user's own logins and credential helpers, and other jobs
// on the same machine; with docker, podman and both, end to end in the sandbox.
import { appendFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { IDENTITY, PULL_IDENTITY, startSandbox, type Sandbox } from '../sandbox/index.ts'
import { fileCommands, laterStep, runStep, scratchDir, type Job, type StepResult } from '../sandbox/runner.ts'
import {
  configDiff,
  credentialStore,
  dockerCalls,
  job,
  leaks,
  podmanCalls,
  readJson,
  richDockerConfig,
  visible,
  writeDockerConfig,
} from './helpers.ts'

let sb: Sandbox
beforeAll(async () => {
  sb = await startSandbox()
})
afterAll(() => sb.stop())

const IMAGE = 'docker://cgr.dev/chainguard/hello:latest'
const skopeo = (j: Job) => laterStep(j, 'skopeo', ['inspect', '--retry-times', '0', '--format', '{{.Name}}', IMAGE])
/** Who podman (in a later step) is logged in to cgr.dev as, from the auth file it reads itself. */
const podmanLogin = async (j: Job) => {
  const r = await laterStep(j, 'podman', ['login', '--get-login', 'cgr.dev'])
  return r.code === 0 ? r.stdout.trim() : `not logged in: ${r.stderr.trim()}`
}
const warnings = (r: StepResult) => visible(r).filter((l) => l.startsWith('::warning::'))
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
    if (placement === 'docker-config: isolated' || (!docker && podmanOwnFile)) {
      expect(readFileSync(userFile, 'utf8')).toBe(text) // not touched at all
    }
    if (docker || !podmanOwnFile) {
      const carried = placement === 'docker-config: isolated' ? { ...original, credsStore: undefined } : original
      expect(configDiff(JSON.parse(JSON.stringify(carried)), readJson(loginFile))).toEqual(['auths.cgr.dev'])
      const entry = (readJson(loginFile).auths as Record<string, Record<string, string>>)['cgr.dev']
      // docker's own store login leaves docker's marker entry, unless podman (which cannot read the store) needs one.
      if (dockerStore && !podman) expect(entry).toEqual({})
      else expect(Buffer.from(entry.auth, 'base64').toString()).toMatch(/^_token:eyJ/)
    }
    if (podmanOwnFile) expect(Object.keys(readJson(podmanAuth(j)).auths as object)).toEqual(['cgr.dev'])
    if (store) expect(store.stored()).toEqual(dockerStore ? ['cgr.dev'] : [])
    // One writer per file: when podman reads docker's file, docker's login there serves it, and podman does not log in.
    if (docker && podman && !podmanOwnFile && !dockerStore) expect(podmanCalls(j)).toEqual([])
    if (podman) expect(await podmanLogin(j)).toBe('_token')
    if (!dockerStore || podman) expect((await skopeo(j)).code).toBe(0)

    const post = await runStep(j, 'post')
    expect(warnings(post)).toEqual([])
    if (dockerStore) {
      expect(configDiff(original, readJson(userFile))).toEqual([]) // docker rewrote it, in its own order
      expect(store?.stored()).toEqual([])
    } else {
      expect(readFileSync(userFile, 'utf8')).toBe(text)
    }
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
