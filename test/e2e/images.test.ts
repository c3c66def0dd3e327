// check-images end to end: the committed bundle checks, right after the login, that it can pull
// each image from the sandbox's real registry; skopeo in a later step agrees on every digest.
import { readFileSync } from 'node:fs'
import { IDENTITY, PULL_IDENTITY } from '../sandbox/index.ts'
import { laterStep, outputs, runStep, type Job, type StepResult } from '../sandbox/runner.ts'
import { dockerCalls, dockerConfig, job, leaks, useSandbox, visible } from './helpers.ts'

const sb = useSandbox()
beforeEach(() => {
  sb.registry.tokenRequests.length = 0
  sb.registry.requests.length = 0
  sb.registry.denied.length = 0
  sb.registry.refused.clear()
  sb.sts.requests.length = 0
})

const ACCEPT =
  'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, ' +
  'application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json'
const skopeoDigest = async (j: Job, image: string) => {
  const r = await laterStep(j, 'skopeo', ['inspect', '--retry-times', '0', '--format', '{{.Digest}}', `docker://${image}`])
  expect(r.stderr).toBe('')
  return r.stdout.trim()
}
/** The step's error, its %0A-escaped lines back as lines. */
const error = (r: StepResult) => {
  const last = visible(r).at(-1) ?? ''
  expect(last).toMatch(/^::error::/)
  return last.slice('::error::'.length).split('%0A')
}
const check = (images: string[], inputs: Record<string, string> = { identity: IDENTITY }) => ({
  install: 'false',
  ...inputs,
  'check-images': images.join('\n'),
})

describe('check-images', () => {
  it('checks every image after an OIDC login and outputs the digests skopeo sees', async () => {
    const j = job(sb)
    const images = ['acme.com/python:3.12', 'cgr.dev/acme.com/python:3.12-dev', 'chainguard/hello', 'cgr.dev/chainguard/hello:latest']
    const main = await runStep(j, 'main', check(images))
    expect(main.code).toBe(0)
    const tokens = sb.registry.tokenRequests.filter((t) => t.scopes.length > 0)
    const heads = sb.registry.requests.filter((r) => r.method === 'HEAD')
    const digests = JSON.parse(outputs(j).digests)
    expect(Object.keys(digests)).toEqual(images)
    const full = [
      'cgr.dev/acme.com/python:3.12',
      'cgr.dev/acme.com/python:3.12-dev',
      'cgr.dev/chainguard/hello:latest',
      'cgr.dev/chainguard/hello:latest',
    ]
    for (const [i, image] of images.entries()) expect(digests[image]).toBe(await skopeoDigest(j, full[i]))
    expect(new Set(Object.values(digests)).size).toBe(3) // each tag its own manifest; two spellings of one
    expect(visible(main).slice(3)).toEqual([
      'Checking that 4 image(s) (3 distinct) can be pulled from cgr.dev', // two spellings of one manifest are checked once
      ...images.map((image) => `  ${image}: ${digests[image]}`),
    ])

    // The way a pull starts: a token for the repositories' pull scope (one for both: the real
    // registry takes repeated scopes), with the login's identity, then HEAD on each manifest with
    // the OCI and docker types in Accept.
    expect(tokens.map((t) => [t.scopes, t.ok])).toEqual([[['repository:acme.com/python:pull', 'repository:chainguard/hello:pull'], true]])
    // Each registry token is masked once received, before the manifest is asked for with it.
    const lines = main.stdout.split('\n')
    for (const { token } of tokens) {
      const masked = lines.indexOf(`::add-mask::${token}`)
      expect(masked).toBeGreaterThan(lines.indexOf('Checking that 4 image(s) (3 distinct) can be pulled from cgr.dev'))
      expect(masked).toBeLessThan(lines.indexOf(`  ${images[0]}: ${digests[images[0]]}`))
    }
    expect(heads.map((r) => r.path).sort()).toEqual([
      '/v2/acme.com/python/manifests/3.12',
      '/v2/acme.com/python/manifests/3.12-dev',
      '/v2/chainguard/hello/manifests/latest', // once for its two spellings
    ])
    for (const head of heads) expect(head.accept).toBe(ACCEPT)

    const summary = readFileSync(j.files.summary, 'utf8')
    for (const image of images) expect(summary).toContain(`<td>${image}</td><td><code>${digests[image]}</code></td>`)
    for (const phase of ['token', 'login', 'check']) expect(summary).toMatch(new RegExp(`(?:<code>|\\n)${phase} +\\d+-\\d+ ms  \\|`))

    // A later step pulls exactly what was checked.
    const pinned = await laterStep(j, 'skopeo', [
      'inspect',
      '--format',
      '{{.Name}}',
      `docker://cgr.dev/acme.com/python@${digests[images[0]]}`,
    ])
    expect(pinned.stdout.trim()).toBe('cgr.dev/acme.com/python')
    const post = await runStep(j, 'post')
    expect(leaks(sb, j, [main, post], { files: true })).toEqual([])
  })

  it('checks a reference by digest, and fails when the registry has no such manifest', async () => {
    const digest = await sb.registry.push('chainguard/pinned', 'v1', 'pinned\n')
    const missing = `sha256:${'0'.repeat(64)}`
    const j = job(sb)
    const ok = await runStep(j, 'main', check([`chainguard/pinned@${digest}`, `chainguard/pinned:v1@${digest}`]))
    expect(ok.code).toBe(0)
    expect(JSON.parse(outputs(j).digests)).toEqual({ [`chainguard/pinned@${digest}`]: digest, [`chainguard/pinned:v1@${digest}`]: digest })
    // Both ask for the same manifest (a pull by digest ignores the tag): one HEAD.
    expect(sb.registry.requests.filter((r) => r.method === 'HEAD').map((r) => r.path)).toEqual([
      `/v2/chainguard/pinned/manifests/${digest}`,
    ])
    await runStep(j, 'post')

    const k = job(sb)
    const bad = await runStep(k, 'main', check([`chainguard/hello@${missing}`]))
    expect(error(bad)[1]).toBe(
      `  chainguard/hello@${missing}: not found: chainguard/hello has no manifest ${missing} (MANIFEST_UNKNOWN): check the digest; crane ls cgr.dev/chainguard/hello lists its tags`,
    )
    await runStep(k, 'post')
  })

  it('fails naming a missing tag, as a not-found of its own', async () => {
    const j = job(sb)
    const main = await runStep(j, 'main', check(['acme.com/python:2.7']))
    expect(main.code).toBe(1)
    expect(error(main)).toEqual([
      `1 of 1 image(s) cannot be pulled from cgr.dev as ${IDENTITY}:`,
      '  acme.com/python:2.7: not found: acme.com/python has no tag 2.7 (MANIFEST_UNKNOWN): check the tag; crane ls cgr.dev/acme.com/python lists its tags',
    ])
    expect(outputs(j).digests).toBeUndefined()
    await runStep(j, 'post')
  })

  it('fails naming a denied repository, with the organization and role to check', async () => {
    sb.registry.denied.push({ account: IDENTITY, repository: 'acme.com/python' })
    const j = job(sb)
    const main = await runStep(j, 'main', check(['acme.com/python:3.12']))
    expect(main.code).toBe(1)
    expect(error(main)[1]).toBe(
      `  acme.com/python:3.12: denied: ${IDENTITY} may not pull acme.com/python (HTTP 403 DENIED): ` +
        'check that it has the registry.pull role in organization acme.com, and that acme.com is entitled to python',
    )
    // The token was granted, without pull: the registry itself said no.
    expect(sb.registry.tokenRequests.filter((t) => t.scopes.length > 0).map((t) => t.ok)).toEqual([true])
    await runStep(j, 'post')
  })

  it('fails naming the image when the registry refuses the token (a credential-helper run: no docker login first)', async () => {
    sb.registry.refused.add(IDENTITY)
    const j = job(sb)
    const main = await runStep(j, 'main', check(['chainguard/hello'], { identity: IDENTITY, 'credential-helper': 'true' }))
    expect(main.code).toBe(1)
    expect(error(main)).toEqual([
      `1 of 1 image(s) cannot be pulled from cgr.dev as ${IDENTITY}:`,
      `  chainguard/hello: token refused: cgr.dev does not accept the Chainguard token of identity ${IDENTITY} ` +
        '(HTTP 401 UNAUTHORIZED: authentication required): check that the identity still exists',
    ])
    expect(sb.registry.tokenRequests.map((t) => t.ok)).toEqual([false]) // a 401 is not retried
    const post = await runStep(j, 'post')
    expect(visible(post)).toEqual(['Removed the credential helper for cgr.dev'])
  })

  it('lists every failing image in one error, and the post step still logs out', async () => {
    sb.registry.denied.push({ account: IDENTITY, repository: 'acme.com/secret' })
    const j = job(sb)
    const images = ['chainguard/hello:nope', 'acme.com/python:3.12', 'acme.com/nothing:1', 'acme.com/secret:1']
    const main = await runStep(j, 'main', check(images))
    expect(main.code).toBe(1)
    expect(error(main)).toEqual([
      `3 of 4 image(s) cannot be pulled from cgr.dev as ${IDENTITY}:`,
      expect.stringMatching(/^ {2}chainguard\/hello:nope: not found: chainguard\/hello has no tag nope \(MANIFEST_UNKNOWN\)/),
      '  acme.com/nothing:1: not found: no repository acme.com/nothing on cgr.dev (NAME_UNKNOWN): check the name, and that it has been added to organization acme.com',
      expect.stringMatching(
        /^ {2}acme.com\/secret:1: denied: .* check that it has the registry.pull role in organization acme.com, and that acme.com is entitled to secret$/,
      ),
    ])
    // One token for the four repositories; each failing one asks again with its own, as its pull
    // would, so the shared token never decides a failure.
    const scopes = sb.registry.tokenRequests.filter((t) => t.scopes.length > 0).map((t) => t.scopes)
    expect(scopes[0]).toEqual([
      'repository:chainguard/hello:pull',
      'repository:acme.com/python:pull',
      'repository:acme.com/nothing:pull',
      'repository:acme.com/secret:pull',
    ])
    expect(scopes.slice(1).sort()).toEqual([
      ['repository:acme.com/nothing:pull'],
      ['repository:acme.com/secret:pull'],
      ['repository:chainguard/hello:pull'],
    ])
    expect(Object.keys(dockerConfig(j).auths ?? {})).toEqual(['cgr.dev']) // logged in before the check
    const post = await runStep(j, 'post')
    expect(visible(post)).toEqual(['Logged out of cgr.dev (podman)', 'Logged out of cgr.dev (docker)'])
    expect(dockerConfig(j).auths ?? {}).toEqual({})
    expect(dockerCalls(j)).toEqual(['login cgr.dev --username _token --password-stdin ']) // the post step edits the file
    expect(leaks(sb, j, [main, post], { files: true })).toEqual([])
  })

  it('checks with a pull token', async () => {
    const j = job(sb, { oidc: false })
    const main = await runStep(j, 'main', check(['acme.com/python:3.12-dev'], { username: PULL_IDENTITY, password: sb.pullToken }))
    expect(main.code).toBe(0)
    expect(sb.registry.tokenRequests.filter((t) => t.scopes.length > 0)).toEqual([
      { account: '', ok: true, scopes: ['repository:acme.com/python:pull'], token: expect.any(String) },
    ])
    expect(JSON.parse(outputs(j).digests)).toEqual({
      'acme.com/python:3.12-dev': await skopeoDigest(j, 'cgr.dev/acme.com/python:3.12-dev'),
    })
    await runStep(j, 'post')

    sb.registry.denied.push({ account: PULL_IDENTITY, repository: 'acme.com/python' })
    const k = job(sb, { oidc: false })
    const denied = await runStep(k, 'main', check(['acme.com/python:3.12-dev'], { username: PULL_IDENTITY, password: sb.pullToken }))
    expect(error(denied)[1]).toMatch(new RegExp(`^ {2}acme.com/python:3.12-dev: denied: ${PULL_IDENTITY} may not pull acme.com/python`))
    await runStep(k, 'post')
  })

  it('checks with the token a credential helper is seeded with', async () => {
    const j = job(sb)
    const main = await runStep(j, 'main', check(['acme.com/python:3.12'], { identity: IDENTITY, 'credential-helper': 'true' }))
    expect(main.code).toBe(0)
    expect(dockerCalls(j)).toEqual([])
    expect(JSON.parse(outputs(j).digests)).toEqual({ 'acme.com/python:3.12': await skopeoDigest(j, 'cgr.dev/acme.com/python:3.12') })
    expect(sb.sts.requests).toHaveLength(1) // the check used the login's token: no exchange of its own
    const post = await runStep(j, 'post')
    expect(leaks(sb, j, [main, post], { files: true })).toEqual([])
  })

  it('rejects a bad reference before any request, naming it', async () => {
    const j = job(sb)
    const main = await runStep(j, 'main', check(['acme.com/python:3.12', 'acme.com/Python:3.12']))
    expect(main.code).toBe(1)
    expect(visible(main)).toEqual([
      '::error::Input \'check-images\' has an invalid image reference "acme.com/Python:3.12": repository names must be lowercase (expected [cgr.dev/]<organization>/<image>[:<tag>][@sha256:<64 hex>])',
    ])
    expect(sb.sts.requests).toHaveLength(0)
    expect(dockerCalls(j)).toEqual([])
  })
})
