// The rest of a user's docker folder stays as found: contexts and CLI plugins with an isolated
// config, a config.json that is a symbolic link, and docker-config naming a folder.
import { createHash } from 'node:crypto'
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { laterStep, runStep, type Job } from '../sandbox/runner.ts'
import { CLIS, job, loginOnly as base, skopeo, useSandbox, visible, warnings } from './helpers.ts'
import { configDiff, exportedDockerConfig, readJson, richDockerConfig, writeDockerConfig } from './helpers.ts'

const sb = useSandbox()

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
