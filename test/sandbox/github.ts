// Stand-in for the runner's GitHub OIDC provider: discovery, JWKS, and the ID-token endpoint that
// the ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN variables point at.
import { randomBytes, randomUUID } from 'node:crypto'
import { bearer, json, serve, type Listen, type Running } from './http.ts'
import { jwk, newSigner, now, sign, type Claims } from './jwt.ts'

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com'

export interface Job {
  repository: string
  ref: string
  /** Defaults to repo:<repository>:ref:<ref>. */
  sub?: string
}

export interface GitHubOidc extends Running {
  /** The variables the runner gives a job with `id-token: write`. */
  env: { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string }
  jwks: () => Array<Record<string, unknown>>
  job: Job
  /** Every token this server issued, so tests can scan output for them. */
  issued: string[]
  requests: number
}

export async function startGitHubOidc(where: Listen, job: Job): Promise<GitHubOidc> {
  const signer = newSigner()
  const requestToken = `ghs_${randomBytes(18).toString('hex')}`
  const state = { issued: [] as string[], requests: 0 }
  const running = await serve((req, res, _body, served) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer: GITHUB_ISSUER,
        jwks_uri: `${GITHUB_ISSUER}/.well-known/jwks`,
        id_token_signing_alg_values_supported: ['RS256'],
      })
    }
    if (url.pathname === '/.well-known/jwks') return json(res, 200, { keys: [jwk(signer)] })
    if (url.pathname !== '/_apis/token') return json(res, 404, { message: 'not found' })
    state.requests++
    if (bearer(req) !== requestToken) return json(res, 401, { message: 'bad request token' })
    const audience = url.searchParams.get('audience') ?? 'https://github.com/' + o.job.repository.split('/')[0]
    const t = now()
    const claims: Claims = {
      jti: randomUUID(),
      iss: GITHUB_ISSUER,
      aud: audience,
      sub: o.job.sub ?? `repo:${o.job.repository}:ref:${o.job.ref}`,
      repository: o.job.repository,
      repository_owner: o.job.repository.split('/')[0],
      ref: o.job.ref,
      event_name: 'push',
      job_workflow_ref: `${o.job.repository}/.github/workflows/ci.yml@${o.job.ref}`,
      iat: t,
      nbf: t,
      exp: t + 300,
    }
    const token = sign(signer, claims)
    state.issued.push(token)
    served.issued = String(claims.jti)
    json(res, 200, { count: 1, value: token })
  }, where)
  const o: GitHubOidc = {
    ...running,
    env: { ACTIONS_ID_TOKEN_REQUEST_URL: `${running.url}/_apis/token?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken },
    jwks: () => [jwk(signer)],
    job,
    get issued() {
      return state.issued
    },
    get requests() {
      return state.requests
    },
  }
  return o
}
