// The edges of "left exactly as found": configs reached through linked folders, files in any
// format, several jobs on one machine, credential stores, and the credential helper in a folder
// a user names; end to end in the sandbox with the real docker, podman and skopeo.
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { IDENTITY, startSandbox, type Sandbox } from '../sandbox/index.ts'
import { laterStep, runStep, scratchDir, type Job } from '../sandbox/runner.ts'
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

describe('two jobs at once on a fresh machine (one HOME, one XDG_RUNTIME_DIR)', () => {
  it.each([
    ['the first to log in ends first', ['a', 'b']],
    ['the last to log in ends first', ['b', 'a']],
  ])('leave no file or folder behind when both have ended (%s)', async (_order, order) => {
    const home = scratchDir('fresh-home-')
    const run = scratchDir('fresh-run-')
    const jobs = { a: job(sb, { home }), b: job(sb, { home }) }
    for (const j of Object.values(jobs)) j.env.XDG_RUNTIME_DIR = run
    expect((await runStep(jobs.a, 'main', base)).code).toBe(0)
    expect((await runStep(jobs.b, 'main', base)).code).toBe(0)
    const [first, second] = order.map((name) => jobs[name as 'a' | 'b'])
    expect(warnings(await runStep(first, 'post'))).toEqual([])
    expect((await skopeo(second)).code).toBe(0) // the job still running keeps its login
    expect(warnings(await runStep(second, 'post'))).toEqual([])
    expect(readdirSync(home)).toEqual([])
    expect(readdirSync(run)).toEqual([])
  })
})
