// Runners without a container CLI (GitHub's macOS images have neither docker nor podman), end to
// end in the sandbox: the login reaches docker's config, which skopeo (like crane, oras, cosign,
// ko) reads in a later step; container-cli: none writes nothing; a CLI named but missing fails
// before any request.
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { IDENTITY } from '../sandbox/index.ts'
import { outputs, runStep, scratchDir, type Job } from '../sandbox/runner.ts'
import { dockerConfig, job, leaks, skopeo, useSandbox, visible, writeDockerConfig } from './helpers.ts'

const sb = useSandbox()

/** A job whose PATH has no docker and no podman, but skopeo for later steps. */
function withoutClis(): Job {
  const j = job(sb)
  const bin = scratchDir('only-skopeo-')
  symlinkSync(execFileSync('sh', ['-c', 'command -v skopeo']).toString().trim(), join(bin, 'skopeo'))
  const kept = j.env.PATH.split(delimiter).filter((dir) => !['docker', 'podman'].some((cli) => existsSync(join(dir, cli))))
  j.env.PATH = [bin, ...kept].join(delimiter)
  return j
}

describe('no container CLI on PATH', () => {
  it('writes the login to docker config, says so in one line, and skopeo in a later step pulls with it', async () => {
    const j = withoutClis()
    const main = await runStep(j, 'main', { identity: IDENTITY, install: 'false' })
    expect(main.code).toBe(0)
    const file = join(j.home, '.docker', 'config.json')
    expect(visible(main).filter((l) => l.startsWith('::warning::'))).toEqual([])
    expect(visible(main)).toContain(
      `No docker or podman on PATH: wrote the cgr.dev login to ${file} for crane, oras, cosign, ko and skopeo (container-cli: none skips this)`,
    )
    expect(visible(main)).toContainEqual(expect.stringMatching(/^Logged in to cgr\.dev as /))
    expect(Object.keys(dockerConfig(j).auths ?? {})).toEqual(['cgr.dev'])
    const pull = await skopeo(j)
    expect(pull.stderr).toBe('')
    expect(pull.code).toBe(0)

    const post = await runStep(j, 'post')
    expect(visible(post)).toEqual(['Logged out of cgr.dev (docker config)'])
    expect(existsSync(file)).toBe(false) // the action made it, and took it away again
    expect((await skopeo(j)).code).not.toBe(0)
    expect(leaks(sb, j, [main, pull, post], { files: true })).toEqual([])
  })

  it("writes nothing, and warns, when docker's config sends the registry to a credential store the tools would ask instead", async () => {
    const j = withoutClis()
    const text = writeDockerConfig(join(j.home, '.docker'), { credsStore: 'osxkeychain' })
    const main = await runStep(j, 'main', { identity: IDENTITY, install: 'false' })
    expect(main.code).toBe(0)
    expect(visible(main)).toContain(
      `::warning::No docker or podman on PATH, and ${join(j.home, '.docker', 'config.json')} sends cgr.dev to docker-credential-osxkeychain: nothing was written; set docker-config: isolated for a config of the job's own, or container-cli: none`,
    )
    expect(visible(main).filter((l) => l.startsWith('Logged in'))).toEqual([])
    expect(readFileSync(join(j.home, '.docker', 'config.json'), 'utf8')).toBe(text)
    expect(visible(await runStep(j, 'post'))).toEqual(['Nothing to log out of.'])
  })

  it('writes nothing with container-cli: none, and says no login was made', async () => {
    const j = withoutClis()
    const main = await runStep(j, 'main', { identity: IDENTITY, install: 'false', 'container-cli': 'none' })
    expect(main.code).toBe(0)
    expect(visible(main).filter((l) => l.startsWith('::warning::') || l.startsWith('Logged in'))).toEqual([])
    expect(visible(main)).toContainEqual(
      expect.stringMatching(/^Credentials for cgr\.dev as .*: nothing logged in; use the dockerconfigjson output$/),
    )
    expect(existsSync(join(j.home, '.docker'))).toBe(false)
    expect(JSON.parse(readFileSync(outputs(j).dockerconfigjson, 'utf8')).auths['cgr.dev'].auth).toMatch(/^[A-Za-z0-9+/]+=*$/)
    expect((await skopeo(j)).code).not.toBe(0)
    expect(visible(await runStep(j, 'post'))).toEqual(['Nothing to log out of.'])
  })

  it('fails in one line, before any request, when the CLI named is not there', async () => {
    const j = withoutClis()
    const exchanges = sb.sts.requests.length
    const main = await runStep(j, 'main', { identity: IDENTITY, install: 'false', 'container-cli': 'docker' })
    expect(main.code).toBe(1)
    expect(visible(main)).toEqual(['::error::docker is not on PATH: install it or set container-cli (auto, none, docker, podman)'])
    expect(sb.sts.requests.length).toBe(exchanges)
    expect(visible(await runStep(j, 'post'))).toEqual(['Nothing to log out of.'])
  })
})

describe('a credential store that needs an interactive session', () => {
  it('fails the login with the real docker, suggesting docker-config: isolated, which then works', async () => {
    const j = job(sb)
    // As osxkeychain answers a runner running as a service (no user session to unlock the keychain).
    const bin = scratchDir('locked-store-')
    writeFileSync(join(bin, 'docker-credential-locked'), '#!/bin/sh\ncat >/dev/null\necho "User interaction is not allowed."\nexit 1\n', {
      mode: 0o755,
    })
    j.env.PATH = `${bin}${delimiter}${j.env.PATH}`
    writeDockerConfig(join(j.home, '.docker'), { credsStore: 'locked' })
    const main = await runStep(j, 'main', { identity: IDENTITY, install: 'false', 'container-cli': 'docker' })
    expect(main.code).toBe(1)
    expect(visible(main).at(-1)).toMatch(
      /^::error::docker login cgr\.dev failed: .*User interaction is not allowed.*\. docker keeps logins in credsStore "locked", which can need an interactive session: set docker-config: isolated to keep this job's login in a config of its own$/,
    )
    await runStep(j, 'post')

    const isolated = await runStep(j, 'main', {
      identity: IDENTITY,
      install: 'false',
      'container-cli': 'docker',
      'docker-config': 'isolated',
    })
    expect(isolated.code).toBe(0)
    expect((await skopeo(j)).code).toBe(0)
    await runStep(j, 'post')
  })
})
