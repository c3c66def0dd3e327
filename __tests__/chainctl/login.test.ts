// chainctl's logins under the action's retry policy, against a stand-in chainctl that fails its
// first runs with a given line (as the sandbox's fake does) and then logs in.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { classifyLoginFailure } from '../../src/chainctl/loginfailure.js'
import { ChainctlError, login } from '../../src/chainctl/setup.js'
import { parseInputs } from '../../src/inputs.js'
import { LOGIN_POLICY } from '../../src/net/retry.js'

const IDENTITY = '4cf15780a13a9b6576d8b357e6524554c8c12a18/a4ccb5bb6d0b8a38'
const inputs = parseInputs((name) => (name === 'identity' ? IDENTITY : '')).chainctl
let dir: string
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'chainctl-login-'))))
afterEach(() => rmSync(dir, { recursive: true, force: true }))

/** A chainctl that prints `line` and fails its first `failures` runs, counting every run. */
function chainctl(failures: number, line: string) {
  const path = join(dir, 'chainctl')
  writeFileSync(join(dir, 'line'), `${line}\n`)
  writeFileSync(
    path,
    `#!/bin/sh\necho run >> "${dir}/runs"\n[ "$(wc -l < "${dir}/runs")" -gt ${failures} ] && { echo "Successfully exchanged token."; exit 0; }\ncat "${dir}/line" >&2\nexit 1\n`,
  )
  chmodSync(path, 0o755)
  return { version: '0.2.50', path, fromCache: false, env: {} }
}
const runs = () => readFileSync(join(dir, 'runs'), 'utf8').split('\n').filter(Boolean).length

describe('classifyLoginFailure', () => {
  it.each([
    ['Error: rpc error: code = ResourceExhausted desc = rate limit exceeded', 'rate limited'],
    ['Error: rpc error: code = Unavailable desc = connection error', 'unavailable'],
    ['Error: rpc error: code = DeadlineExceeded desc = context deadline exceeded', 'timed out'],
    ['Error: 429 Too Many Requests', 'rate limited'],
    ['Error: 503 Service Unavailable', 'unavailable'],
    ['Error: exchanging the OIDC token failed: HTTP 503', 'unavailable'],
    [
      'Error: Post "https://issuer.enforce.dev/sts/exchange": read tcp 10.1.0.4:5678->1.2.3.4:443: read: connection reset by peer',
      'connection reset',
    ],
    ['Error: Post "https://issuer.enforce.dev/sts/exchange": EOF', 'connection closed early (EOF)'],
    ['Error: Post "https://issuer.enforce.dev/sts/exchange": net/http: TLS handshake timeout', 'timed out'],
    ['Error: something chainctl has never printed before', 'unrecognized failure'],
    [
      'Error: rpc error: code = Unknown desc = unexpected HTTP status code received from server: 500 (Internal Server Error)',
      'unknown error',
    ],
  ])('retries %j (%s)', (line, why) => {
    expect(classifyLoginFailure(line)).toEqual({ retry: true, why })
  })

  it.each([
    'Error: rpc error: code = PermissionDenied desc = permission denied',
    'Error: rpc error: code = Unauthenticated desc = JWT validation failed',
    'Error: rpc error: code = InvalidArgument desc = the audience must be specified',
    'Error: 403 Forbidden',
    'Error: exchanging the OIDC token failed: HTTP 403',
    'Error: no matching identity for the token',
    'Error: no OIDC token available: ACTIONS_ID_TOKEN_REQUEST_URL is not set',
    // An untrusted certificate is the same on every try, whether Go's HTTP client or gRPC says so.
    'Error: Post "https://issuer.enforce.dev/sts/exchange": tls: failed to verify certificate: x509: certificate signed by unknown authority',
    'Error: Post "https://issuer.enforce.dev/sts/exchange": x509: certificate has expired or is not yet valid: current time 2026-12-03T20:00:00Z is after 2026-01-01T00:00:00Z',
    'Error: rpc error: code = Unavailable desc = connection error: desc = "transport: authentication handshake failed: tls: failed to verify certificate: x509: certificate is valid for proxy.corp, not issuer.enforce.dev"',
    // A proxy that wants credentials, as Go's HTTP client and grpc-go print its CONNECT answer (send() stops at it too).
    'Error: Post "https://issuer.enforce.dev/sts/exchange": Proxy Authentication Required',
    'Error: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: failed to do connect handshake, status code: 407 Proxy Authentication Required"',
    // grpc-go maps an HTTP status it has no code for to Unknown: a 4xx there is still an answer.
    'Error: rpc error: code = Unknown desc = unexpected HTTP status code received from server: 400 (Bad Request); transport: received unexpected content-type "text/html"',
  ])('does not retry the refusal %j', (line) => {
    expect(classifyLoginFailure(line).retry).toBe(false)
  })
})

describe('login', () => {
  it('retries a rate-limited login, logging each retry, until it logs in', async () => {
    const retries: string[] = []
    const c = chainctl(2, 'Error: rpc error: code = ResourceExhausted desc = rate limit exceeded')
    const rateLimit = { attempts: 10, baseMs: 200, capMs: 400, deadlineMs: 5000 }
    await login(c, inputs, IDENTITY, 'apk.cgr.dev', { policy: { ...LOGIN_POLICY, rateLimit }, onRetry: (l) => retries.push(l) })
    expect(runs()).toBe(3)
    expect(retries).toEqual([
      expect.stringMatching(
        /^chainctl auth login --audience apk\.cgr\.dev failed \(rate limited\): Error: rpc error: code = ResourceExhausted desc = rate limit exceeded; retry 1\/9 in \d+\.\ds$/,
      ),
      expect.stringMatching(/\(rate limited\).*; retry 2\/9 in/),
    ])
  })

  it('does not retry a refusal', async () => {
    const retries: string[] = []
    const c = chainctl(5, 'Error: rpc error: code = PermissionDenied desc = permission denied')
    await expect(login(c, inputs, IDENTITY, undefined, { onRetry: (l) => retries.push(l) })).rejects.toThrow(
      new ChainctlError('chainctl auth login failed: Error: rpc error: code = PermissionDenied desc = permission denied'),
    )
    expect([runs(), retries]).toEqual([1, []])
  })

  it('stops retrying at the shared deadline, naming the attempts', async () => {
    const c = chainctl(100, 'Error: rpc error: code = Unavailable desc = connection error')
    const started = Date.now()
    const err = await login(c, inputs, IDENTITY, undefined, {
      policy: { ...LOGIN_POLICY, deadlineMs: 1500 },
      onRetry: () => undefined,
    }).catch((e: Error) => e)
    expect(Date.now() - started).toBeLessThan(1600)
    expect((err as Error).message).toMatch(/^chainctl auth login failed after \d attempt\(s\): Error: rpc error: code = Unavailable/)
    expect(runs()).toBeGreaterThanOrEqual(2)
  })
})
