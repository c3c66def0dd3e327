// podman logins, the job summary and the opt-in token output, end to end in the sandbox.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { LATEST } from '../sandbox/downloads.ts'
import { IDENTITY } from '../sandbox/index.ts'
import { laterStep, outputs, runStep, scratchDir, type Job } from '../sandbox/runner.ts'
import { dockerCalls, job, leaks, podmanCalls, useSandbox, visible } from './helpers.ts'

const sb = useSandbox()

const IMAGE = 'cgr.dev/chainguard/hello:latest'
const podmanAuth = (j: Job) => join(j.env.XDG_RUNTIME_DIR, 'containers', 'auth.json')
const podmanPull = (j: Job) => {
  const storage = scratchDir('podman-')
  return laterStep(j, 'podman', [
    '--root',
    join(storage, 'root'),
    '--runroot',
    join(storage, 'run'),
    '--storage-driver',
    'vfs',
    'pull',
    '-q',
    IMAGE,
  ])
}

describe('podman', () => {
  it('auto logs podman in too, without starting it: podman pulls after the action, and not after the post step', async () => {
    const j = job(sb)
    const main = await runStep(j, 'main', { identity: IDENTITY, install: 'false' })
    expect(main.code).toBe(0)
    expect(podmanCalls(j)).toEqual([]) // docker's login checked the credentials: podman's entry is written as podman would
    expect(Object.keys(JSON.parse(readFileSync(podmanAuth(j), 'utf8')).auths)).toEqual(['cgr.dev'])
    const pull = await podmanPull(j)
    expect(pull.stderr).toBe('')
    expect(pull.code).toBe(0)
    expect((await laterStep(j, 'skopeo', ['inspect', '--authfile', podmanAuth(j), `docker://${IMAGE}`])).code).toBe(0)

    const post = await runStep(j, 'post')
    expect(visible(post)).toEqual(['Logged out of cgr.dev (podman)', 'Logged out of cgr.dev (docker)'])
    expect(existsSync(podmanAuth(j))).toBe(false) // the action made it, and took it away again
    const after = await podmanPull(j)
    expect(after.code).not.toBe(0)
    expect(leaks(sb, j, [main, pull, post, after])).toEqual([])
  })

  it('logs in only the CLI named', async () => {
    const j = job(sb)
    expect((await runStep(j, 'main', { identity: IDENTITY, install: 'false', 'container-cli': 'podman' })).code).toBe(0)
    expect(dockerCalls(j)).toEqual([])
    expect(podmanCalls(j)).toEqual([expect.stringMatching(/^login --authfile \S+ cgr\.dev --username _token --password-stdin $/)])
    expect((await podmanPull(j)).code).toBe(0)
    await runStep(j, 'post')
  })

  describe('a podman that cannot log in', () => {
    const broken = (j: Job) => {
      const bin = scratchDir('broken-podman-')
      writeFileSync(join(bin, 'podman'), '#!/bin/sh\ncat >/dev/null\necho "Error: cannot set up namespace using newuidmap" >&2\nexit 125\n')
      chmodSync(join(bin, 'podman'), 0o755)
      j.env.PATH = `${bin}:${j.env.PATH}`
    }

    it('is not started when docker logs in', async () => {
      const j = job(sb)
      broken(j)
      const main = await runStep(j, 'main', { identity: IDENTITY, install: 'false', 'container-cli': 'podman,docker' })
      expect(main.code).toBe(0)
      expect(visible(await runStep(j, 'post'))).toEqual(['Logged out of cgr.dev (docker)', 'Logged out of cgr.dev (podman)'])
    })

    it('is a warning under auto without docker on PATH', async () => {
      const j = job(sb)
      broken(j)
      j.env.PATH = j.env.PATH.split(delimiter)
        .filter((dir) => !existsSync(join(dir, 'docker')))
        .join(delimiter)
      const main = await runStep(j, 'main', { identity: IDENTITY, install: 'false' })
      expect(main.code).toBe(0)
      expect(visible(main)).toContain('::warning::podman login cgr.dev failed: Error: cannot set up namespace using newuidmap')
      expect(existsSync(podmanAuth(j))).toBe(false)
      expect(visible(await runStep(j, 'post'))).toEqual(['Nothing to log out of.'])
    })

    it('is an error when named, with nothing written anywhere', async () => {
      const j = job(sb)
      broken(j)
      const main = await runStep(j, 'main', { identity: IDENTITY, install: 'false', 'container-cli': 'podman' })
      expect(main.code).toBe(1)
      expect(visible(main).at(-1)).toBe('::error::podman login cgr.dev failed: Error: cannot set up namespace using newuidmap')
      expect(existsSync(podmanAuth(j))).toBe(false)
      expect(visible(await runStep(j, 'post'))).toEqual(['Nothing to log out of.'])
    })
  })

  it('skips the static podman login with credential-helper, which podman reads from the docker config', async () => {
    const j = job(sb)
    expect((await runStep(j, 'main', { identity: IDENTITY, install: 'false', 'credential-helper': 'true' })).code).toBe(0)
    expect(existsSync(podmanAuth(j))).toBe(false) // no static podman login to shadow the helper
    const pull = await laterStep(j, 'skopeo', ['inspect', '--retry-times', '0', `docker://${IMAGE}`])
    expect(pull.code).toBe(0)
    await runStep(j, 'post')
  })
})

describe('job summary', () => {
  it('shows identity, registry, expiry, chainctl and timings, and no token', async () => {
    const j = job(sb)
    const main = await runStep(j, 'main', { identity: IDENTITY, version: LATEST })
    expect(main.code).toBe(0)
    const summary = readFileSync(j.files.summary, 'utf8')
    expect(summary).toContain('<h3>setup-chainctl</h3>')
    for (const cell of [IDENTITY, 'cgr.dev', outputs(j)['expires-at'], 'docker, podman', `${LATEST} (downloaded)`])
      expect(summary).toContain(`<td>${cell}</td>`)
    expect(summary).toContain('Timings, in ms since the step started:')
    for (const phase of ['token', 'login', 'chainctl download', 'chainctl login'])
      expect(summary).toMatch(new RegExp(`(?:<code>|\\n)${phase} +\\d+-\\d+ ms  \\| *#+ *\\|`))
    for (const secret of sb.secrets()) expect(summary).not.toContain(secret)
    await runStep(j, 'post')
  })

  it('is off with job-summary: false', async () => {
    const j = job(sb)
    expect((await runStep(j, 'main', { identity: IDENTITY, install: 'false', 'job-summary': 'false' })).code).toBe(0)
    expect(readFileSync(j.files.summary, 'utf8')).toBe('')
    await runStep(j, 'post')
  })

  it('warns, and does not fail the step, when the summary cannot be written', async () => {
    const j = job(sb)
    const dir = join(j.dir, 'summary-is-a-folder')
    mkdirSync(dir)
    j.env.GITHUB_STEP_SUMMARY = dir
    const main = await runStep(j, 'main', { identity: IDENTITY, install: 'false' })
    expect(main.code).toBe(0)
    expect(visible(main)).toContainEqual(expect.stringMatching(/^::warning::Could not write the job summary: /))
    await runStep(j, 'post')
  })
})

describe('output-token', () => {
  it('outputs the registry token, masked first, only when asked', async () => {
    const off = job(sb)
    expect((await runStep(off, 'main', { identity: IDENTITY, install: 'false' })).code).toBe(0)
    expect(outputs(off).token).toBeUndefined()
    await runStep(off, 'post')

    const j = job(sb)
    const main = await runStep(j, 'main', { identity: IDENTITY, install: 'false', 'output-token': 'true' })
    const token = outputs(j).token
    expect(token).toMatch(/^eyJ/)
    expect(main.stdout).toContain(`::add-mask::${token}`)
    // What a tool with its own login does with it: the registry's token endpoint accepts it.
    const auth = Buffer.from(`_token:${token}`).toString('base64')
    const res = await laterStep(j, 'curl', [
      '-fsS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '-H',
      `Authorization: Basic ${auth}`,
      'https://cgr.dev/token?service=cgr.dev',
    ])
    expect(res.stdout).toBe('200')
    expect(leaks(sb, j, [main])).toEqual([])
    await runStep(j, 'post')
  })
})
