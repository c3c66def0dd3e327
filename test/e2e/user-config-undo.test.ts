// The post step undoes the login in the file it landed in, whatever a later step exports, and two
// uses in one job leave the user's docker and podman setup as found.
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PULL_IDENTITY } from '../sandbox/index.ts'
import { runStep, scratchDir } from '../sandbox/runner.ts'
import { anotherUse, job, leaks, loginOnly as base, podmanAuth, podmanLogin, useSandbox, visible, warnings } from './helpers.ts'
import { basic, readJson, richDockerConfig, writeDockerConfig } from './helpers.ts'

const sb = useSandbox()

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
