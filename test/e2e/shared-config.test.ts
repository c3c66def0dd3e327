// The edges of "left exactly as found": configs reached through linked folders, files in any
// format, several jobs on one machine, credential stores, and the credential helper in a folder
// a user names; end to end in the sandbox with the real docker, podman and skopeo.
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { IDENTITY, startSandbox, type Sandbox } from '../sandbox/index.ts'
import { laterStep, runStep, type Job } from '../sandbox/runner.ts'
import { configDiff, job, readJson, richDockerConfig, visible, writeDockerConfig } from './helpers.ts'

let sb: Sandbox
beforeAll(async () => {
  sb = await startSandbox()
})
afterAll(() => sb.stop())

const IMAGE = 'docker://cgr.dev/chainguard/hello:latest'
const skopeo = (j: Job) => laterStep(j, 'skopeo', ['inspect', '--retry-times', '0', '--format', '{{.Name}}', IMAGE])
const warnings = (r: { lines: string[] }) => visible(r as never).filter((l) => l.startsWith('::warning::'))
const base = { identity: IDENTITY, install: 'false' }

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
