import { describeStsFailure, explainAuthFailure, isAuthFailure } from '../../src/token/errors.js'
import { oneLine } from '../../src/util/text.js'

describe('STS error mapping', () => {
  it('names the gRPC code, the message and a hint', () => {
    expect(describeStsFailure(403, '{"code":7,"message":"no matching identity"}')).toBe(
      'Chainguard STS refused the token exchange: HTTP 403 PermissionDenied: no matching identity ' +
        "(the identity does not trust this job; its claim match must fit the token's claims (printed above))",
    )
    expect(describeStsFailure(401, '{"code":16,"message":"JWT validation failed"}')).toMatch(
      /^Chainguard STS refused the token exchange: HTTP 401 Unauthenticated: JWT validation failed \(.*'audience' input/,
    )
    expect(describeStsFailure(404, '{"code":5,"message":"identity not found"}')).toMatch(/NotFound: identity not found \(no such identity/)
    expect(describeStsFailure(400, '{"code":99,"message":"odd"}')).toMatch(/HTTP 400 code 99: odd/)
    expect(describeStsFailure(400, '{"code":3,"message":"bad audience"}')).toMatch(
      /^Chainguard STS refused the token exchange: HTTP 400 InvalidArgument: bad audience \(/,
    )
  })

  it('gives a hint for every 5xx and none for a status it has no advice for', () => {
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
    ])
    expect(explainAuthFailure({ iss: 'x' }, 'ab/cd').slice(1, 4)).toEqual(['  iss: "x"', '  aud: null', '  sub: null'])
  })
})
