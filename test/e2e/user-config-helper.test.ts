// The credential helper is registered in a docker config of the job's own, never in the user's, and
// never seen by another job on the machine.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runStep, scratchDir } from '../sandbox/runner.ts'
import { job, loginOnly as base, skopeo, useSandbox, visible } from './helpers.ts'
import { configDiff, exportedDockerConfig, readJson, richDockerConfig, writeDockerConfig } from './helpers.ts'

const sb = useSandbox()

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
