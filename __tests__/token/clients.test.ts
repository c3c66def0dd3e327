// The OIDC and STS clients against the sandbox's real HTTP stand-ins on loopback.
import { jest } from '@jest/globals'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getIdToken, OidcError } from '../../src/token/oidc.js'
import { exchangeToken, StsError } from '../../src/token/sts.js'
import { HttpError } from '../../src/net/http.js'
import { DEFAULT_POLICY } from '../../src/net/retry.js'
import { decodeClaims } from '../../src/token/jwt.js'
import { GITHUB_ISSUER, startGitHubOidc, type GitHubOidc } from '../../test/sandbox/github.ts'
import { startSts, type Sts } from '../../test/sandbox/sts.ts'

const IDENTITY = '4cf15780a13a9b6576d8b357e6524554c8c12a18/a4ccb5bb6d0b8a38'
// The rate-limit schedule as fast as the rest: these tests are about Retry-After and the deadline, not the window.
const rateLimit = { attempts: 5, baseMs: 20, capMs: 100, deadlineMs: 5000 }
const fast = { ...DEFAULT_POLICY, baseMs: 20, capMs: 100, timeoutMs: 500, deadlineMs: 5000, rateLimit }
const loopback = { host: '127.0.0.1', port: 0 }

let github: GitHubOidc
let sts: Sts
let stdout: jest.SpiedFunction<typeof process.stdout.write>

beforeAll(async () => {
  github = await startGitHubOidc(loopback, { repository: 'acme/app', ref: 'refs/heads/main' })
  sts = await startSts(loopback, {
    issuer: 'https://issuer.enforce.dev',
    trust: { [GITHUB_ISSUER]: github.jwks },
    identities: { [IDENTITY]: { issuer: GITHUB_ISSUER, subjectPattern: 'repo:acme/app:ref:refs/heads/.*' } },
  })
})
afterAll(async () => {
  await github.close()
  await sts.close()
})
beforeEach(() => {
  sts.faults.length = 0
  sts.requests.length = 0
  // core.setSecret writes ::add-mask:: to stdout; keep it for the masking assertions.
  stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true)
})
afterEach(() => stdout.mockRestore())

const printed = () => stdout.mock.calls.map((c) => String(c[0])).join('')
const idToken = () => getIdToken('issuer.enforce.dev', github.env, { policy: fast })
const exchange = async (identity = IDENTITY, onRetry?: (m: string) => void) =>
  exchangeToken({ issuer: sts.url, identity, audience: 'cgr.dev', idToken: await idToken() }, { policy: fast, onRetry })

describe('GitHub OIDC client', () => {
  it('gets a token for the asked audience and masks it', async () => {
    const token = await idToken()
    expect(decodeClaims(token)).toMatchObject({ aud: 'issuer.enforce.dev', sub: 'repo:acme/app:ref:refs/heads/main' })
    expect(printed()).toContain(`::add-mask::${token}`)
  })

  it('explains the missing id-token permission', async () => {
    await expect(getIdToken('a', {})).rejects.toThrow(
      new OidcError(
        "The job has no GitHub OIDC token: add 'permissions: id-token: write' to the job or workflow (a job's own permissions replace the workflow's).",
      ),
    )
  })

  it('needs both the URL and the request token the runner gives a job with id-token: write, and masks the latter', async () => {
    for (const missing of ['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'] as const) {
      await expect(getIdToken('a', { ...github.env, [missing]: '' })).rejects.toThrow(OidcError)
    }
    await idToken()
    expect(printed()).toContain(`::add-mask::${github.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}\n`)
  })

  it.each([
    [200, '{"value":""}'],
    [200, '{"value":42}'],
    [200, 'value=ey.x.y'],
    [403, '{"value":"ey.not.yours","message":"forbidden"}'],
  ])('takes no token from an HTTP %i answer %s', async (status, body) => {
    const runner = createServer((_req, res) => res.writeHead(status).end(body))
    await new Promise<void>((r) => runner.listen(0, '127.0.0.1', r))
    const env = { ...github.env, ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${(runner.address() as AddressInfo).port}/t` }
    await expect(getIdToken('a', env, { policy: fast })).rejects.toThrow(
      `GitHub OIDC token endpoint answered HTTP ${status} without a token (expected JSON {"value": "<JWT>"})`,
    )
    await new Promise((r) => runner.close(r))
  })

  it('fails clearly when the runner rejects the request token', async () => {
    const env = { ...github.env, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'wrong' }
    await expect(getIdToken('a', env, { policy: fast })).rejects.toThrow(/answered HTTP 401 without a token/)
  })
})

describe('Chainguard STS client', () => {
  it('exchanges the OIDC token for a Chainguard token for the registry', async () => {
    const token = await exchange()
    expect(decodeClaims(token)).toMatchObject({ iss: 'https://issuer.enforce.dev', sub: IDENTITY, aud: 'cgr.dev' })
    expect(sts.requests).toEqual([{ method: 'POST', contentType: 'application/x-www-form-urlencoded', status: 200 }])
    expect(printed()).toContain(`::add-mask::${token}`)
  })

  it('recovers from a run of 503s, logging each retry', async () => {
    sts.faults.push({ status: 503 }, { status: 503 }, { status: 500 })
    const retries: string[] = []
    await exchange(IDENTITY, (m) => retries.push(m))
    expect(sts.requests.map((r) => r.status)).toEqual([503, 503, 500, 200])
    expect(retries).toHaveLength(3)
    expect(retries[0]).toMatch(/^Chainguard STS answered HTTP 503; retry 1\/4 in \d\.\ds$/)
  })

  it('honours Retry-After on 429', async () => {
    sts.faults.push({ status: 429, retryAfter: '1' })
    const retries: string[] = []
    const started = Date.now()
    await exchange(IDENTITY, (m) => retries.push(m))
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
    expect(retries).toEqual([expect.stringMatching(/^Chainguard STS answered HTTP 429; retry 1\/4 in 1\.0s$/)])
  })

  it('does not retry a 403 and shows the STS message: exactly one request', async () => {
    const other = '4cf15780a13a9b6576d8b357e6524554c8c12a18/0000000000000001'
    sts.options.identities[other] = { issuer: GITHUB_ISSUER, subject: 'repo:acme/other:ref:refs/heads/main' }
    const err = await exchange(other).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StsError)
    expect((err as StsError).status).toBe(403)
    expect((err as Error).message).toMatch(
      /^Chainguard STS refused the token exchange: HTTP 403 PermissionDenied: permission denied: subject "repo:acme\/app:ref:refs\/heads\/main" does not match/,
    )
    expect(sts.requests).toHaveLength(1)
  })

  it('maps an unknown identity to NotFound without retrying', async () => {
    await expect(exchange('ab/cd')).rejects.toThrow(/HTTP 404 NotFound: identity "ab\/cd" not found \(no such identity/)
    expect(sts.requests).toHaveLength(1)
  })

  it('fails clearly on an HTML reply after retrying it', async () => {
    sts.faults.push(...Array(5).fill({ html: true }))
    await expect(exchange()).rejects.toThrow(
      'Chainguard STS answered HTTP 502 with an unexpected body (text/html), not a grpc-gateway status (the STS is failing; retry the job later)',
    )
    expect(sts.requests).toHaveLength(5)
  })

  it('ends a hanging STS by its own timeout', async () => {
    sts.faults.push(...Array(5).fill({ hang: true }))
    const policy = { ...fast, attempts: 2, timeoutMs: 300 }
    const started = Date.now()
    const err = await exchangeToken(
      { issuer: sts.url, identity: IDENTITY, audience: 'cgr.dev', idToken: await idToken() },
      { policy },
    ).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(HttpError)
    expect((err as Error).message).toMatch(/^Chainguard STS request failed \(timed out\) after 2 attempt\(s\) in \d\.\ds$/)
    expect(Date.now() - started).toBeLessThan(2000)
    expect(sts.requests).toHaveLength(2)
  })

  it('gives up when the deadline is too short for the next wait', async () => {
    sts.faults.push({ status: 429, retryAfter: '60' })
    await expect(exchange()).rejects.toThrow(/HTTP 429 ResourceExhausted: rate limited \(the STS kept rate-limiting/)
    expect(sts.requests).toHaveLength(1)
  })

  it('reports network errors after retrying them', async () => {
    const dead: Server = createServer()
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r))
    const port = (dead.address() as AddressInfo).port
    await new Promise((r) => dead.close(r))
    const retries: string[] = []
    const err = await exchangeToken(
      { issuer: `http://127.0.0.1:${port}`, identity: IDENTITY, audience: 'cgr.dev', idToken: 'x.y.z' },
      { policy: { ...fast, attempts: 3 }, onRetry: (m) => retries.push(m) },
    ).catch((e: unknown) => e)
    expect((err as Error).message).toMatch(/^Chainguard STS request failed \(ECONNREFUSED\) after 3 attempt\(s\)/)
    expect(retries).toHaveLength(2)
  })

  it.each(['{"tok":1}', '{"token":""}', '{"token":7}'])('rejects a 200 that is not the expected JSON: %s', async (body) => {
    const odd = createServer((_req, res) => res.end(body))
    await new Promise<void>((r) => odd.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(odd.address() as AddressInfo).port}`
    await expect(
      exchangeToken({ issuer: url, identity: IDENTITY, audience: 'cgr.dev', idToken: 'x.y.z' }, { policy: fast }),
    ).rejects.toThrow('Chainguard STS answered HTTP 200 without a token (expected JSON {"token": "<JWT>"})')
    await new Promise((r) => odd.close(r))
  })

  it('names no kind of body when the STS sends no Content-Type', async () => {
    const bare = createServer((_req, res) => res.writeHead(409).end('conflict'))
    await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`
    await expect(
      exchangeToken({ issuer: url, identity: IDENTITY, audience: 'cgr.dev', idToken: 'x.y.z' }, { policy: fast }),
    ).rejects.toThrow(new StsError('Chainguard STS answered HTTP 409 with an unexpected body, not a grpc-gateway status', 409))
    await new Promise((r) => bare.close(r))
  })

  it('answers a JSON body like the real issuer: audience must be specified', async () => {
    const res = await fetch(`${sts.url}/sts/exchange`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${await idToken()}` },
      body: JSON.stringify({ aud: 'cgr.dev', identity: IDENTITY }),
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ code: 3, message: 'audience must be specified', details: [] })
  })
})
