// The registry credentials as the step makes them: the job's OIDC token from the GitHub stand-in,
// exchanged at the STS stand-in served over https as issuer.<environment>, on loopback.
import { jest } from '@jest/globals'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Agent } from 'node:https'
import { getCredentials, type TokenRequest } from '../../src/token/credentials.js'
import { exportHttpAuth } from '../../src/token/envauth.js'
import { decodeClaims } from '../../src/token/jwt.js'
import { GITHUB_ISSUER, startGitHubOidc, type GitHubOidc } from '../../test/sandbox/github.ts'
import { ensurePki } from '../../test/sandbox/pki.ts'
import { startSts, type Sts } from '../../test/sandbox/sts.ts'
import { tempDirs } from '../../test/tempdirs.ts'

const IDENTITY = '4cf15780a13a9b6576d8b357e6524554c8c12a18/a4ccb5bb6d0b8a38'
const dir = tempDirs('credentials-')
const savedEnv = { ...process.env }
let github: GitHubOidc
let sts: Sts
let stdout: jest.SpiedFunction<typeof process.stdout.write>

beforeAll(async () => {
  const pki = ensurePki(dir())
  github = await startGitHubOidc({ host: '127.0.0.1', port: 0 }, { repository: 'acme/app', ref: 'refs/heads/main' })
  const tls = { key: readFileSync(pki.tlsKey, 'utf8'), cert: readFileSync(pki.tlsCert, 'utf8') }
  sts = await startSts(
    { host: '127.0.0.1', port: 0, tls },
    {
      issuer: 'https://issuer.enforce.dev',
      trust: { [GITHUB_ISSUER]: github.jwks },
      identities: { [IDENTITY]: { issuer: GITHUB_ISSUER, subjectPattern: 'repo:acme/app:ref:refs/heads/.*' } },
    },
  )
  // https://issuer.enforce.dev is this STS: every https connection goes to it, trusting its CA.
  const [port, ca] = [Number(new URL(sts.url).port), readFileSync(pki.caCert, 'utf8')]
  const connect = Agent.prototype.createConnection
  jest.spyOn(Agent.prototype, 'createConnection').mockImplementation(function (this: Agent, options, callback) {
    return connect.call(this, { ...options, host: '127.0.0.1', port, ca, servername: 'issuer.enforce.dev' }, callback)
  })
})
afterAll(async () => {
  jest.restoreAllMocks()
  await github.close()
  await sts.close()
})
beforeEach(() => {
  Object.assign(process.env, github.env)
  stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true)
})
afterEach(() => {
  stdout.mockRestore()
  process.env = { ...savedEnv }
})

const printed = () => stdout.mock.calls.map((c) => String(c[0])).join('')
const oidc = (identity = IDENTITY, audience = 'issuer.enforce.dev'): TokenRequest => ({
  auth: { kind: 'oidc', identity, audience },
  environment: 'enforce.dev',
  registry: 'cgr.dev',
})

describe('registry credentials from the job OIDC token', () => {
  it('are a Chainguard token for the identity and the registry, with its expiry, and tokens for other hosts', async () => {
    const creds = await getCredentials(oidc())
    expect(creds).toMatchObject({ identity: IDENTITY, username: '_token' })
    const claims = decodeClaims(creds.secret)
    expect(claims).toMatchObject({ iss: 'https://issuer.enforce.dev', sub: IDENTITY, aud: 'cgr.dev' })
    expect(creds.expiresAt).toBe(new Date((claims.exp as number) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'))
    expect(decodeClaims(await creds.tokenFor!('apk.cgr.dev'))).toMatchObject({ sub: IDENTITY, aud: 'apk.cgr.dev' })
    expect(printed()).toContain(`::add-mask::${creds.secret}`)
    expect(printed()).toContain(`Exchanging it at https://issuer.enforce.dev for identity ${IDENTITY} (audience cgr.dev)`)
  })

  it('say what they ask for, and warn on each retry of the runner and the STS', async () => {
    // The runner's token endpoint fails once, then passes the request on to the stand-in.
    let calls = 0
    const runner = createServer(async (req, res) => {
      if (calls++ === 0) return void res.writeHead(503).end()
      const url = new URL(req.url ?? '/', github.env.ACTIONS_ID_TOKEN_REQUEST_URL)
      const answer = await fetch(url, { headers: { Authorization: req.headers.authorization ?? '' } })
      res.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(await answer.text())
    })
    await new Promise<void>((r) => runner.listen(0, '127.0.0.1', r))
    process.env.ACTIONS_ID_TOKEN_REQUEST_URL = `http://127.0.0.1:${(runner.address() as AddressInfo).port}/_apis/token`
    sts.faults.push({ status: 503 })
    await expect(getCredentials(oidc())).resolves.toMatchObject({ identity: IDENTITY })
    runner.closeAllConnections()
    await new Promise((r) => runner.close(r))
    const log = printed()
    expect(log).toContain("Requesting the job's OIDC token for audience issuer.enforce.dev\n")
    expect(log).toMatch(/^::warning::GitHub OIDC token endpoint .*503.*; retry 1\/\d+ in /m)
    expect(log).toMatch(/^::warning::Chainguard STS .*503.*; retry 1\/\d+ in /m)
  })

  it('show the claims the job presented when the identity refuses them, with the identity that would match', async () => {
    const other = '4cf15780a13a9b6576d8b357e6524554c8c12a18/0000000000000002'
    sts.options.identities[other] = { issuer: GITHUB_ISSUER, subject: 'repo:acme/other:ref:refs/heads/main' }
    await expect(getCredentials(oidc(other))).rejects.toThrow(/HTTP 403 PermissionDenied/)
    const log = printed()
    expect(log).toContain('  sub: "repo:acme/app:ref:refs/heads/main"\n')
    expect(log).toContain(`Inspect it with: chainctl iam identities describe ${other}\n`)
    expect(log).toContain('sub is the branch form for main')
  })

  it('show no claims for a failure that is not a refusal (an unknown identity)', async () => {
    await expect(getCredentials(oidc('ab/cd'))).rejects.toThrow(/HTTP 404 NotFound/)
    expect(printed()).not.toContain('presented these claims')
  })

  it("say so when the job's OIDC token the STS refused is no JWT, so no claims can be shown", async () => {
    const runner = createServer((_req, res) => res.end('{"value":"opaque"}'))
    await new Promise<void>((r) => runner.listen(0, '127.0.0.1', r))
    process.env.ACTIONS_ID_TOKEN_REQUEST_URL = `http://127.0.0.1:${(runner.address() as AddressInfo).port}/token`
    await expect(getCredentials(oidc())).rejects.toThrow(/HTTP 401 Unauthenticated/)
    expect(printed()).toContain("The job's OIDC token is not a JWT, so its claims cannot be shown.\n")
    await new Promise((r) => runner.close(r))
  })

  it('ask for the OIDC audience given, and need id-token: write', async () => {
    await expect(getCredentials(oidc(IDENTITY, 'elsewhere'))).rejects.toThrow(/HTTP 403/) // the identity expects issuer.enforce.dev
    expect(printed()).toContain('  aud: "elsewhere"\n')
    delete process.env.ACTIONS_ID_TOKEN_REQUEST_URL
    await expect(getCredentials(oidc())).rejects.toThrow("add 'permissions: id-token: write'")
  })
})

describe('registry credentials from a pull token', () => {
  it('are the pull token itself, named by its username; its expiry when it is a JWT', async () => {
    const jwt = ['{}', '{"exp":1795093445}'].map((p) => Buffer.from(p).toString('base64url')).join('.') + '.sig'
    sts.requests.length = 0
    const auth = { kind: 'pull-token', username: 'abc/def', password: jwt } as const
    await expect(getCredentials({ auth, environment: 'enforce.dev', registry: 'cgr.dev' })).resolves.toEqual({
      identity: 'abc/def',
      username: 'abc/def',
      secret: jwt,
      expiresAt: '2026-11-19T13:04:05Z',
    })
    const opaque = await getCredentials({ auth: { ...auth, password: 'p4ss' }, environment: 'enforce.dev', registry: 'cgr.dev' })
    expect(opaque.expiresAt).toBeUndefined()
    expect(sts.requests).toEqual([]) // no exchange for a pull token
  })
})

describe('HTTP_AUTH for apk tooling', () => {
  it('is a token for the apk host, for later steps', async () => {
    const env = `${dir()}/env`
    process.env.GITHUB_ENV = env
    writeFileSync(env, '')
    await exportHttpAuth('apk.cgr.dev', await getCredentials(oidc()))
    const value = /^HTTP_AUTH<<(\S+)\n(.*)\n\1$/m.exec(readFileSync(env, 'utf8'))?.[2] ?? ''
    const [scheme, host, user, token] = value.split(':')
    expect([scheme, host, user]).toEqual(['basic', 'apk.cgr.dev', 'user'])
    expect(decodeClaims(token)).toMatchObject({ sub: IDENTITY, aud: 'apk.cgr.dev' })
  })

  it('needs an identity: a pull token cannot make one', async () => {
    const creds = await getCredentials({ auth: { kind: 'pull-token', username: 'u', password: 'p' }, environment: 'e', registry: 'r' })
    await expect(exportHttpAuth('apk.cgr.dev', creds)).rejects.toThrow("Input 'env-auth' needs 'identity'")
  })
})
