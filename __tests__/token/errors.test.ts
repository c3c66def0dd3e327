import { describeStsFailure, explainAuthFailure, isAuthFailure, subjectHint } from '../../src/token/errors.js'
import { oneLine } from '../../src/util/text.js'

describe('STS error mapping', () => {
  it('names the gRPC code, the message and a hint', () => {
    expect(describeStsFailure(403, '{"code":7,"message":"no matching identity"}')).toBe(
      'Chainguard STS refused the token exchange: HTTP 403 PermissionDenied: no matching identity ' +
        "(the identity does not trust this job: its issuer, subject and audience must match the token's claims (printed above; a wrong 'audience' is this too))",
    )
    // A wrong audience is a claim mismatch (403, as the STS stand-in answers); 401 is the token itself.
    expect(describeStsFailure(401, '{"code":16,"message":"JWT validation failed"}')).toBe(
      'Chainguard STS refused the token exchange: HTTP 401 Unauthenticated: JWT validation failed ' +
        "(the STS did not accept the job's OIDC token itself (an issuer it does not trust, a bad signature or an expired token); check 'environment')",
    )
    expect(describeStsFailure(404, '{"code":5,"message":"identity not found"}')).toMatch(/NotFound: identity not found \(no such identity/)
    expect(describeStsFailure(400, '{"code":99,"message":"odd"}')).toMatch(/HTTP 400 code 99: odd/)
    expect(describeStsFailure(400, '{"code":3,"message":"bad audience"}')).toMatch(
      /^Chainguard STS refused the token exchange: HTTP 400 InvalidArgument: bad audience \(/,
    )
  })

  it('gives a hint for every 5xx and none for a status it has no advice for', () => {
    expect(describeStsFailure(503, '{"code":14,"message":"down"}')).toMatch(
      /^Chainguard STS refused the token exchange: HTTP 503 Unavailable: down /,
    )
    expect(describeStsFailure(500, '{"code":13,"message":"boom"}')).toBe(
      'Chainguard STS refused the token exchange: HTTP 500 Internal: boom (the STS is failing; retry the job later)',
    )
    expect(describeStsFailure(499, '{"code":4,"message":"late"}')).toBe(
      'Chainguard STS refused the token exchange: HTTP 499 DeadlineExceeded: late',
    )
    expect(describeStsFailure(400, '{"message":"no code"}')).toBe(
      "Chainguard STS refused the token exchange: HTTP 400: no code (check the 'identity' and 'registry' inputs)",
    )
    expect(describeStsFailure(418, '{"code":7}')).toBe(
      'Chainguard STS answered HTTP 418 with an unexpected body, not a grpc-gateway status',
    )
    expect(describeStsFailure(429, '')).toMatch(/\(the STS kept rate-limiting; retry the job later\)$/)
  })

  it('tells auth refusals (401, 403) from other failures', () => {
    expect([401, 403].map(isAuthFailure)).toEqual([true, true])
    expect([400, 404, 429, 500].some(isAuthFailure)).toBe(false)
  })

  it('says so when the body is not a grpc-gateway status', () => {
    expect(describeStsFailure(502, '<html><body>Bad gateway</body></html>', 'text/html; charset=utf-8')).toBe(
      'Chainguard STS answered HTTP 502 with an unexpected body (text/html), not a grpc-gateway status (the STS is failing; retry the job later)',
    )
  })

  it('keeps messages on one bounded line', () => {
    expect(oneLine('a\nb\r\n\tc')).toBe('a b c')
    expect(oneLine('x'.repeat(300))).toHaveLength(203)
    expect(describeStsFailure(400, JSON.stringify({ code: 3, message: 'line1\nline2' }))).not.toContain('\n')
  })

  it('explains an auth refusal with the claims, never the token', () => {
    const lines = explainAuthFailure(
      { iss: 'https://token.actions.githubusercontent.com', aud: 'issuer.enforce.dev', sub: 'repo:o/r:pull_request' },
      'ab/cd',
    )
    expect(lines).toEqual([
      "The job's OIDC token presented these claims:",
      '  iss: "https://token.actions.githubusercontent.com"',
      '  aud: "issuer.enforce.dev"',
      '  sub: "repo:o/r:pull_request"',
      'Identity ab/cd must name this issuer, a subject (or subject pattern) matching sub, and this audience.',
      'Inspect it with: chainctl iam identities describe ab/cd',
      'sub is the pull request form: an identity made with --github-ref trusts pushes to that one ref, never a pull request; ' +
        'an identity that matches this job: chainctl iam identities create r-ci --parent=ORG ' +
        '--identity-issuer=https://token.actions.githubusercontent.com --subject=repo:o/r:pull_request --audience=issuer.enforce.dev --role=registry.pull',
    ])
    expect(explainAuthFailure({ iss: 'x' }, 'ab/cd').slice(1, 4)).toEqual(['  iss: "x"', '  aud: null', '  sub: null'])
  })

  it('names no subject cause for a 401: the STS refused the token itself (issuer, signature, expiry)', () => {
    const claims = { iss: 'https://token.actions.githubusercontent.com', aud: 'issuer.enforce.dev', sub: 'repo:o/r:pull_request' }
    const lines = explainAuthFailure(claims, 'ab/cd', 401)
    expect(lines).toHaveLength(6)
    expect(lines.join('\n')).not.toMatch(/pull request form|identities create/)
    expect(explainAuthFailure(claims, 'ab/cd', 403)).toHaveLength(7)
  })
})

describe('subjectHint', () => {
  const GH = 'https://token.actions.githubusercontent.com'
  const hint = (sub: string, aud: unknown = 'issuer.enforce.dev') => subjectHint({ iss: GH, aud, sub })
  const command = (name: string, sub: string, aud = 'issuer.enforce.dev') =>
    `chainctl iam identities create ${name} --parent=ORG --identity-issuer=${GH} --subject=${sub} --audience=${aud} --role=registry.pull`

  it("names GitHub's immutable subject form and the identity that matches it", () => {
    const sub = 'repo:octocat@123456/my-repo@456789:ref:refs/heads/main'
    expect(hint(sub)).toBe(
      "sub uses GitHub's immutable form (repo:OWNER@ID/REPO@ID:...), which an identity made with --github-repo=octocat/my-repo does not match; " +
        `an identity that matches this job: ${command('my-repo-ci', sub)}`,
    )
    for (const context of ['pull_request', 'environment:prod', 'ref:refs/tags/v1']) {
      expect(hint(`repo:octocat@1/my-repo@2:${context}`)).toMatch(
        /^sub uses GitHub's immutable form .*--subject=repo:octocat@1\/my-repo@2:/,
      )
    }
  })

  it('names the form of a name-form subject, for branch, pull request, tag and environment runs', () => {
    expect(hint('repo:acme/app:ref:refs/heads/feature/x')).toBe(
      "sub is the branch form for feature/x: an identity for another branch or repository, or for GitHub's immutable form (repo:OWNER@ID/REPO@ID:...), does not match it; " +
        `an identity that matches this job: ${command('app-ci', 'repo:acme/app:ref:refs/heads/feature/x')}`,
    )
    expect(hint('repo:acme/app:pull_request')).toMatch(/^sub is the pull request form: .* --subject=repo:acme\/app:pull_request /)
    expect(hint('repo:acme/app:ref:refs/tags/v1.2')).toMatch(/^sub is the tag form: .* --subject=repo:acme\/app:ref:refs\/tags\/v1.2 /)
    expect(hint('repo:acme/app:environment:prod')).toMatch(
      /^sub is the environment form \(a job with environment: prod\): .*:environment:prod /,
    )
  })

  it('matches every merge queue branch of the base with a pattern: each queue subject is new', () => {
    const sub = 'repo:acme/my.app:ref:refs/heads/gh-readonly-queue/main/pr-42-0123456789abcdef0123456789abcdef01234567'
    const line = hint(sub)
    expect(line).toMatch(/^sub is a merge queue branch for main, a new one for every pull request: .* match them with a pattern; /)
    expect(line).toContain(
      "--subject-pattern='^repo:acme/my\\.app:ref:refs/heads/gh-readonly-queue/main/pr-[0-9]+-[0-9a-f]+$' --audience=issuer.enforce.dev ",
    )
    expect(line).not.toContain('--subject=')
    const pattern = new RegExp(/--subject-pattern='([^']+)'/.exec(line ?? '')?.[1] ?? '$^')
    expect(pattern.test(sub)).toBe(true)
    expect(pattern.test(sub.replace('pr-42-', 'pr-43-'))).toBe(true)
    expect(pattern.test('repo:acme/myxapp:ref:refs/heads/gh-readonly-queue/main/pr-1-ab')).toBe(false)
    expect(pattern.test('repo:acme/my.app:ref:refs/heads/main')).toBe(false)
    // The immutable form names its own cause, with the same pattern.
    expect(hint('repo:acme@1/app@2:ref:refs/heads/gh-readonly-queue/main/pr-1-ab')).toMatch(
      /^sub uses GitHub's immutable form .*--subject-pattern='\^repo:acme@1\/app@2:ref:refs\/heads\/gh-readonly-queue\/main\/pr-\[0-9\]\+-/,
    )
  })

  it('quotes what a shell would split, takes the first of several audiences, and stays one line', () => {
    const line = hint("repo:acme/app:environment:it's prod", ['https://x.example/a b', 'other'])
    expect(line).toContain(`--subject='repo:acme/app:environment:it'\\''s prod' --audience='https://x.example/a b' `)
    expect(line).not.toContain('\n')
  })

  it("says nothing it cannot know: other issuers' subjects and unknown contexts", () => {
    expect(hint('system:serviceaccount:ns:sa')).toBeUndefined()
    expect(hint('repo:acme/app:workflow_dispatch')).toBeUndefined()
    expect(subjectHint({ iss: GH, sub: 'repo:acme/app:pull_request' })).toBeUndefined() // no audience to name
  })

  it('reads only a whole GitHub subject: no prefix, no trailing line, ids only where both parts have one', () => {
    expect(hint('xrepo:acme/app:ref:refs/heads/main')).toBeUndefined()
    expect(hint('repo:acme/app:ref:refs/heads/main\nrepo:acme/app:pull_request')).toBeUndefined()
    // Immutable only when owner and repository both end in @<digits>.
    expect(hint('repo:acme@1/app:ref:refs/heads/main')).toMatch(/^sub is the branch form for main: .*create app-ci /)
    expect(hint('repo:acme/app@2:ref:refs/heads/main')).toMatch(
      /^sub is the branch form for main: .*create app-ci .*--subject=repo:acme\/app@2:/,
    )
    expect(hint('repo:acme@1x/app@2:ref:refs/heads/main')).toMatch(/^sub is the branch form/)
    expect(hint('repo:a\nacme@1/app@2:pull_request')).toMatch(/^sub is the pull request form/)
    // A queue branch only in full: not inside another ref, not with more after the head sha.
    expect(hint('repo:acme/app:xref:refs/heads/gh-readonly-queue/main/pr-1-ab')).toBeUndefined()
    expect(hint('repo:acme/app:ref:refs/heads/gh-readonly-queue/main/pr-1-abz')).toMatch(
      /^sub is the branch form for gh-readonly-queue\/main\/pr-1-abz: .*--subject=repo:acme\/app:ref:refs\/heads\/gh-readonly-queue\/main\/pr-1-abz /,
    )
  })
})
