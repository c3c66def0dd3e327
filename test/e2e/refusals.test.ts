// End to end: refusals that know the workflow. A fork's pull request, GitHub's immutable subject
// form and a wrong audience each end the step with a line that says what to do.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { IDENTITY } from '../sandbox/index.ts'
import { runStep } from '../sandbox/runner.ts'
import { dockerCalls, job, useSandbox, visible } from './helpers.ts'

const sb = useSandbox()
beforeEach(() => {
  sb.sts.requests.length = 0
})

describe('refusals that know the workflow', () => {
  it("names GitHub's immutable subject form on a 403, with the identity that would match it", async () => {
    const sub = 'repo:acme@1234567/app@7654321:ref:refs/heads/main'
    sb.github.job.sub = sub // IDENTITY was written for repo:acme/app:..., the name form
    try {
      const j = job(sb)
      const main = await runStep(j, 'main', { identity: IDENTITY })
      expect(main.code).toBe(1)
      const hint =
        "sub uses GitHub's immutable form (repo:OWNER@ID/REPO@ID:...), which an identity made with --github-repo=acme/app does not match; " +
        'an identity that matches this job: chainctl iam identities create app-ci --parent=ORG ' +
        `--identity-issuer=https://token.actions.githubusercontent.com --subject=${sub} --audience=issuer.enforce.dev --role=registry.pull`
      expect(visible(main).slice(-3)).toEqual([
        `Inspect it with: chainctl iam identities describe ${IDENTITY}`,
        hint,
        expect.stringMatching(/^::error::Chainguard STS refused the token exchange: HTTP 403 PermissionDenied: /),
      ])
      expect(sb.sts.requests.map((r) => r.status)).toEqual([403])
      expect(dockerCalls(j)).toEqual([])
    } finally {
      delete sb.github.job.sub
    }
  })

  it('answers a wrong audience with 403 (a claim mismatch), saying the audience is part of it', async () => {
    const j = job(sb)
    const main = await runStep(j, 'main', { identity: IDENTITY, audience: 'sts.example.com' })
    expect(main.code).toBe(1)
    expect(visible(main)).toContain('  aud: "sts.example.com"')
    expect(visible(main).at(-1)).toMatch(
      /^::error::Chainguard STS refused the token exchange: HTTP 403 PermissionDenied: .*a wrong 'audience' is this too\)\)$/,
    )
    expect(sb.sts.requests.map((r) => r.status)).toEqual([403])
  })

  it('says a fork pull request gets no OIDC token, before the empty identity, and how to skip the step', async () => {
    const j = job(sb, { oidc: false }) // as GitHub runs a fork's pull request: no OIDC variables
    const event = join(j.dir, 'event.json')
    writeFileSync(
      event,
      JSON.stringify({ pull_request: { head: { repo: { full_name: 'forker/app' } }, base: { repo: { full_name: 'acme/app' } } } }),
    )
    Object.assign(j.env, { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event })
    const requests = sb.github.requests
    const main = await runStep(j, 'main', { identity: '' }) // vars.CHAINGUARD_IDENTITY is empty for forks
    expect(main.code).toBe(1)
    expect(visible(main)).toEqual([
      "::error::This job runs for a pull request from the fork forker/app, and GitHub gives fork pull requests no OIDC token (nor this repository's variables and secrets), so it cannot log in; " +
        'public images (cgr.dev/chainguard/<name>:latest) still pull without a login. Skip this step for forks with: ' +
        'if: github.event.pull_request.head.repo.full_name == github.repository || !github.event.pull_request',
    ])
    expect(sb.github.requests).toBe(requests)
    expect(sb.sts.requests).toHaveLength(0)
    expect(dockerCalls(j)).toEqual([])
    expect(visible(await runStep(j, 'post'))).toEqual(['Nothing to log out of.'])
  })

  it('blames the missing permission, not the fork, under pull_request_target (which gets a token with id-token: write)', async () => {
    const j = job(sb, { oidc: false })
    const event = join(j.dir, 'event.json')
    writeFileSync(event, JSON.stringify({ pull_request: { head: { repo: { full_name: 'forker/app' } } } }))
    Object.assign(j.env, { GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_EVENT_PATH: event })
    const main = await runStep(j, 'main', { identity: IDENTITY, install: 'false' })
    expect(main.code).toBe(1)
    expect(visible(main).filter((l) => l.startsWith('::error::'))).toEqual([
      "::error::The job has no GitHub OIDC token: add 'permissions: id-token: write' to the job or workflow (a job's own permissions replace the workflow's).",
    ])
  })
})
