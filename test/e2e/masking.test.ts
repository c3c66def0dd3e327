// What is masked and what is not (README: Security; SECURITY.md). Every token the main step handles
// is registered with the runner (::add-mask::) before the step goes on to use it; the tokens the
// credential helper renews in later steps go to docker on the helper's stdout, never to the runner,
// so they cannot be masked, and nothing prints them.
import { IDENTITY } from '../sandbox/index.ts'
import { laterStep, runStep, type Job } from '../sandbox/runner.ts'
import { job, leaks, skopeo, useSandbox, visible } from './helpers.ts'

const sb = useSandbox()

/** Index of the first stdout line that passes `test`, -1 if none. */
const lineAt = (stdout: string, test: (line: string) => boolean) => stdout.split('\n').findIndex(test)
const maskAt = (stdout: string, secret: string) => lineAt(stdout, (l) => l === `::add-mask::${secret}`)

it('masks every token the main step handles, before using it', async () => {
  const j = job(sb)
  const [oidcBefore, stsBefore] = [sb.github.issued.length, sb.sts.issued.length]
  const main = await runStep(j, 'main', { identity: IDENTITY, install: 'false', 'env-auth': 'true', 'output-token': 'true' })
  expect(main.code).toBe(0)
  const requestToken = sb.github.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN
  const [oidc, ...others] = sb.github.issued.slice(oidcBefore)
  const [registry, apk, ...more] = sb.sts.issued.slice(stsBefore)
  expect([others, more]).toEqual([[], []]) // one OIDC token, then the registry and apk tokens

  const out = main.stdout
  const at = (prefix: string) => lineAt(out, (l) => l.startsWith(prefix))
  for (const secret of [requestToken, oidc, registry, apk]) expect(maskAt(out, secret)).toBeGreaterThanOrEqual(0)
  expect(maskAt(out, requestToken)).toBeLessThan(maskAt(out, oidc)) // masked before asking for the OIDC token
  expect(maskAt(out, oidc)).toBeLessThan(at('Exchanging it at'))
  expect(maskAt(out, registry)).toBeLessThan(at('Logged in to cgr.dev'))
  expect(maskAt(out, apk)).toBeLessThan(at('HTTP_AUTH exported'))
  expect(leaks(sb, j, [main])).toEqual([])
  await runStep(j, 'post')
})

describe('credential helper', () => {
  const helper = (j: Job, command: string, input: string) =>
    laterStep(j, 'sh', ['-c', `printf %s '${input}' | docker-credential-setup-chainctl ${command}`])

  it('hands renewed tokens to docker only: not masked (the runner never sees them), never printed', async () => {
    const j = job(sb)
    const main = await runStep(j, 'main', { identity: IDENTITY, install: 'false', 'credential-helper': 'true' })
    expect(main.code).toBe(0)
    const stsBefore = sb.sts.issued.length

    // What docker does in a later step once the cached token is old: the helper renews it.
    const erase = await helper(j, 'erase', 'https://cgr.dev')
    const get = await helper(j, 'get', 'https://cgr.dev')
    const [renewed, ...more] = sb.sts.issued.slice(stsBefore)
    expect(more).toEqual([])
    // Its stdout is the protocol answer and nothing else: it goes to docker, there is no mask to register.
    expect(get.stdout).toBe(`${JSON.stringify({ ServerURL: 'https://cgr.dev', Username: '_token', Secret: renewed })}\n`)
    expect(get.stderr).toBe('')
    expect(get.stdout).not.toContain('::add-mask::')

    // A real client through it: skopeo pulls with the renewed token and prints none of it.
    const pull = await skopeo(j)
    expect(pull.code).toBe(0)

    // When renewing fails, the reason goes to stderr in one line, without a token.
    sb.sts.faults.push({ status: 403 })
    await helper(j, 'erase', 'https://cgr.dev')
    const failed = await helper(j, 'get', 'https://cgr.dev')
    expect(failed.code).toBe(1)
    expect(failed.stdout).toBe('')
    expect(failed.stderr).toMatch(/^setup-chainctl credential helper: Chainguard STS refused the token exchange: HTTP 403 [^\n]*\n$/)

    const post = await runStep(j, 'post')
    expect(visible(post)).toEqual(['Removed the credential helper for cgr.dev'])
    expect(leaks(sb, j, [main, erase, pull, failed, post], { files: true })).toEqual([])
  })
})
