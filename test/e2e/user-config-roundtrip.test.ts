// A user's rich docker config (every key, other registries' logins, a credential store) is left
// exactly as found wherever it is, with docker, podman and both; end to end in the sandbox.
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runStep } from '../sandbox/runner.ts'
import { CLIS, job, leaks, loginOnly as base, podmanAuth, podmanCalls, podmanLogin, skopeo, useSandbox, warnings } from './helpers.ts'
import { configDiff, credentialStore, exportedDockerConfig, readJson, richDockerConfig, writeDockerConfig } from './helpers.ts'

const sb = useSandbox()

type Placement = 'DOCKER_CONFIG of the job' | 'docker-config: <folder>' | 'docker-config: isolated' | '~/.docker'
const PLACEMENTS: Placement[] = ['DOCKER_CONFIG of the job', 'docker-config: <folder>', 'docker-config: isolated', '~/.docker']

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
