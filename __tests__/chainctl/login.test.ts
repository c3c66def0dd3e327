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
    ['Error: rpc error: code = Aborted desc = transaction aborted', 'aborted'],
    ['Error: rpc error: code = Internal desc = stream terminated by RST_STREAM', 'internal error'],
    ['Error: rpc error: code = Unknown desc = something broke', 'unknown error'],
    // grpc-go's Unknown for a status it has no code for: 429 and 3xx are not answers about the identity.
    ['Error: rpc error: code = Unknown desc = unexpected HTTP status code received from server: 429 (Too Many Requests)', 'unknown error'],
    ['Error: rpc error: code = Unknown desc = unexpected HTTP status code received from server: 302 (Found)', 'unknown error'],
    ['Error: ratelimit exceeded', 'rate limited'],
    ['Error: rate-limited, try again later', 'rate limited'],
    ['Error: 502 Bad Gateway', 'unavailable'],
    ['Error: Post "https://issuer.enforce.dev/sts/exchange": dial tcp 1.2.3.4:443: connect: connection refused', 'network error'],
    ['Error: Post "https://issuer.enforce.dev/sts/exchange": dial tcp: lookup issuer.enforce.dev: no such host', 'network error'],
    ['Error: Post "https://issuer.enforce.dev/sts/exchange": write tcp 10.1.0.4:5678->1.2.3.4:443: write: broken pipe', 'connection reset'],
    // A status that says try again wins over words of refusal in the body that came with it.
    ['Error: 503 Service Unavailable: upstream said permission denied', 'unavailable'],
    ['Error: 502 Bad Gateway: <html>403 Forbidden</html>', 'unavailable'],
    ['Error: 429 Too Many Requests for unauthenticated callers', 'rate limited'],
    // A port that happens to hold 403 or 429 is no status.
    [
      'Error: Post "https://sts.corp:4030/sts/exchange": read tcp 10.1.0.4:4290->1.2.3.4:4030: read: connection reset by peer',
      'connection reset',
    ],
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
    'Error: 401 Unauthorized',
    'Error: 404 Not Found',
    'Error: the token is unauthorised for this identity',
  ])('does not retry the refusal %j', (line) => {
    expect(classifyLoginFailure(line).retry).toBe(false)
  })

  it('names the refusal', () => {
    const why = (line: string) => classifyLoginFailure(line).why
    expect(why('Error: rpc error: code = PermissionDenied desc = unexpected HTTP status code received from server: 403 (Forbidden)')).toBe(
      'refused (PermissionDenied)',
    )
    expect(why('Error: rpc error: code = Unknown desc = unexpected HTTP status code received from server: 400 (Bad Request)')).toBe(
      'refused (HTTP 400)',
    )
    expect(why('Error: exchanging the OIDC token failed: HTTP 403')).toBe('refused')
    expect(why('Error: Post "https://x": x509: certificate signed by unknown authority')).toBe('untrusted certificate')
    expect(why('Error: Post "https://x": Proxy Authentication Required')).toBe('refused by the proxy (407)')
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
        /^chainctl auth login --audience apk\.cgr\.dev failed \(rate limited\): Error: rpc error: code = ResourceExhausted desc = rate limit exceeded; retry 1\/9 in 0\.[0-4]s$/,
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

  it('stops at once when cancelled while it waits to retry', async () => {
    const c = chainctl(100, 'Error: rpc error: code = Unavailable desc = connection error')
    const slow = { ...LOGIN_POLICY, baseMs: 60_000, capMs: 60_000, deadlineMs: 600_000 }
    const started = Date.now()
    const err = await login(c, inputs, IDENTITY, undefined, {
      policy: slow,
      signal: AbortSignal.timeout(500),
      onRetry: () => undefined,
    }).catch((e: Error) => e)
    expect((err as Error).message).toBe('chainctl auth login was cancelled')
    expect(Date.now() - started).toBeLessThan(1500)
  })

  it('gives each attempt its own time limit, so a stuck run is retried within the deadline', async () => {
    const path = join(dir, 'chainctl')
    // The first run hangs; the next logs in.
    writeFileSync(path, `#!/bin/sh\n[ -f "${dir}/ran" ] && exit 0\ntouch "${dir}/ran"\nexec sleep 30\n`, { mode: 0o755 })
    const c = { version: '0.2.50', path, fromCache: false, env: {} }
    const started = Date.now()
    const retries: string[] = []
    await login(c, inputs, IDENTITY, undefined, {
      timeoutMs: 300,
      policy: { ...LOGIN_POLICY, baseMs: 10, capMs: 10, deadlineMs: 10_000 },
      onRetry: (l) => retries.push(l),
    })
    expect(Date.now() - started).toBeLessThan(3000)
    expect(retries).toEqual([
      expect.stringMatching(
        / failed \(timed out\): chainctl auth login .* did not finish within 0\.3s and was stopped; retry 1\/4 in 0\.0s$/,
      ),
    ])
  })

  it('counts the attempts of a login retried and then refused', async () => {
    const path = join(dir, 'chainctl')
    writeFileSync(
      path,
      `#!/bin/sh\nif [ -f "${dir}/ran" ]; then echo "Error: rpc error: code = PermissionDenied desc = permission denied" >&2; else touch "${dir}/ran"; echo "Error: rpc error: code = Unavailable desc = connection error" >&2; fi\nexit 1\n`,
      { mode: 0o755 },
    )
    const c = { version: '0.2.50', path, fromCache: false, env: {} }
    const policy = { ...LOGIN_POLICY, baseMs: 10, capMs: 10 }
    await expect(login(c, inputs, IDENTITY, undefined, { policy, onRetry: () => undefined })).rejects.toThrow(
      new ChainctlError(
        'chainctl auth login failed after 2 attempt(s): Error: rpc error: code = PermissionDenied desc = permission denied',
      ),
    )
  })

  it('fails at once, without retrying, when chainctl cannot be run', async () => {
    const c = { version: '0.2.50', path: join(dir, 'missing', 'chainctl'), fromCache: false, env: {} }
    const retries: string[] = []
    await expect(login(c, inputs, IDENTITY, undefined, { onRetry: (l) => retries.push(l) })).rejects.toThrow(/could not be run: .*ENOENT/)
    expect(retries).toEqual([])
  })

  it("runs chainctl with the job's config file and its own token cache, the identity, audience and verbosity as given", async () => {
    const path = join(dir, 'chainctl')
    writeFileSync(path, `#!/bin/sh\necho "$CHAINCTL_CONFIG|$XDG_CACHE_HOME|$*" > "${dir}/ran"\n`)
    chmodSync(path, 0o755)
    const c = { version: '0.2.50', path, fromCache: false, env: { XDG_CACHE_HOME: join(dir, 'cache') } }
    const given = parseInputs((name) => ({ identity: IDENTITY, 'config-path': join(dir, 'c.yaml') })[name] ?? '').chainctl
    delete process.env.CHAINCTL_CONFIG
    await login(c, given, IDENTITY, 'apk.cgr.dev')
    expect(readFileSync(join(dir, 'ran'), 'utf8')).toBe(
      `${join(dir, 'c.yaml')}|${join(dir, 'cache')}|auth login --identity ${IDENTITY} --audience apk.cgr.dev -v=${given.verbosity}\n`,
    )
  })
})
