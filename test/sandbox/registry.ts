// Stand-in for cgr.dev: the real registry (Debian's docker-registry, token auth) behind a small
// front that serves /token the way cgr.dev does: HTTP Basic `_token:<Chainguard token>` (verified
// against the STS's keys) or `<identity>:<pull token>`; everything else is proxied to the registry.
// The front can refuse an account's credentials, and deny it a repository: the token it then
// grants has no pull, and a request with it is answered 403 DENIED, as cgr.dev answers a pull the
// identity may not make (docker shows `Head ".../manifests/latest": denied`).
// The registry behind it is in registry-backend.ts, the images it is seeded with in registry-images.ts.
import type { ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { request } from 'node:http'
import { json, serve, type Listen, type Running } from './http.ts'
import { now, sign, signerFromPem, verify, type Signer } from './jwt.ts'
import { certDerBase64, read, type Pki } from './pki.ts'
import { startBackend, TOKEN_ISSUER } from './registry-backend.ts'
import { pushImage, type ImageFormat } from './registry-images.ts'
import { stopProcess } from './runner.ts'

export const SEEDED_IMAGE = 'chainguard/hello'
/** A second repository, of an organization, with several tags: OCI indexes, as cgr.dev serves. */
export const SEEDED_TAGS: Record<string, string[]> = { 'acme.com/python': ['3.12', '3.12-dev'] }

export interface RegistryOptions {
  /** Host name clients use, e.g. cgr.dev; also the token service name. */
  service: string
  pki: Pki
  dataDir: string
  /** Chainguard token issuer and keys, to verify `_token` logins. */
  stsIssuer: string
  stsKeys: () => Array<Record<string, unknown>>
  /** identity ID -> pull token */
  pullTokens: Record<string, string>
}

export interface TokenRequest {
  account: string
  ok: boolean
  /** The scopes asked for, e.g. repository:acme.com/python:pull. */
  scopes: string[]
  /** The token handed out, if any. */
  token?: string
}

export interface Registry extends Running {
  backend: string
  tokenRequests: TokenRequest[]
  /** Every registry token /token handed out, for leak scans. */
  issued: string[]
  /** Requests to /v2/, with the Accept header sent. */
  requests: Array<{ method: string; path: string; accept: string }>
  /** Accounts whose credentials /token refuses (a deleted identity, a revoked pull token). */
  refused: Set<string>
  /** Repositories an account may not pull (no role, or an organization not entitled to them). */
  denied: Array<{ account: string; repository: string }>
  /** Hold every request to the front this long: the round trips to a remote registry. */
  latencyMs: number
  /** Pushes an image made of `content` as repository:tag; returns its manifest digest. */
  push(repository: string, tag: string, content: string, format?: ImageFormat): Promise<string>
  process: ChildProcess
}

function registryToken(
  signer: Signer,
  service: string,
  sub: string,
  access: Array<{ type: string; name: string; actions: string[] }>,
): string {
  const t = now()
  return sign(signer, { iss: TOKEN_ISSUER, sub, aud: service, iat: t, nbf: t - 5, exp: t + 300, jti: randomUUID(), access })
}

/** The account behind HTTP Basic credentials, or undefined when they are not valid. */
function authenticate(header: string | undefined, o: RegistryOptions): string | undefined {
  const m = /^Basic (.+)$/.exec(header ?? '')
  if (!m) return undefined
  const decoded = Buffer.from(m[1], 'base64').toString()
  const colon = decoded.indexOf(':')
  const [user, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)]
  if (user === '_token') {
    try {
      const claims = verify(password, o.stsKeys())
      return claims.iss === o.stsIssuer && claims.aud === o.service ? String(claims.sub) : undefined
    } catch {
      return undefined
    }
  }
  return o.pullTokens[user] !== undefined && o.pullTokens[user] === password ? user : undefined
}

export async function startRegistry(where: Listen, o: RegistryOptions): Promise<Registry> {
  const signer = signerFromPem(read(o.pki.tokenKey), { x5c: [certDerBase64(o.pki.tokenCert)] })
  const realm = `${where.tls ? 'https' : 'http'}://${where.name ?? where.host}${where.port && where.port !== 443 ? `:${where.port}` : ''}/token`
  const { url: backend, process: child } = await startBackend({ dataDir: o.dataDir, realm, service: o.service, tokenCert: o.pki.tokenCert })

  const tokenRequests: TokenRequest[] = []
  const issued: string[] = []
  const requests: Registry['requests'] = []
  const refused = new Set<string>()
  const denied: Registry['denied'] = []
  const running = await serve(async (req, res, body) => {
    if (self.latencyMs) await new Promise((r) => setTimeout(r, self.latencyMs))
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname === '/token') {
      const authenticated = authenticate(req.headers.authorization, o)
      const account = authenticated !== undefined && !refused.has(authenticated) ? authenticated : undefined
      const scopes = url.searchParams.getAll('scope')
      tokenRequests.push({ account: url.searchParams.get('account') ?? '', ok: account !== undefined, scopes })
      if (!account)
        return json(
          res,
          401,
          { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] },
          { 'WWW-Authenticate': `Basic realm="${o.service}"` },
        )
      const access = scopes.map((scope) => {
        const [type, name, actions] = scope.split(':')
        const allowed = !denied.some((d) => d.account === account && d.repository === name)
        return { type, name, actions: actions.split(',').filter((a) => a === 'pull' && allowed) }
      })
      const token = registryToken(signer, o.service, account, access)
      issued.push(token)
      tokenRequests[tokenRequests.length - 1].token = token
      return json(res, 200, { token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() })
    }
    requests.push({ method: req.method ?? '', path: url.pathname, accept: req.headers.accept ?? '' })
    const proxied = request(
      `${backend}${req.url}`,
      { method: req.method, headers: { ...req.headers, 'x-forwarded-proto': where.tls ? 'https' : 'http' } },
      (up) => {
        if (up.statusCode === 401 && String(up.headers['www-authenticate']).includes('error="insufficient_scope"')) {
          up.resume()
          return json(res, 403, { errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] })
        }
        res.writeHead(up.statusCode ?? 502, up.headers)
        up.pipe(res)
      },
    )
    proxied.on('error', (err) => json(res, 502, { errors: [{ code: 'UNAVAILABLE', message: err.message }] }))
    proxied.end(body)
  }, where)

  // Docker counts loopback registries as insecure and falls back to plain http after an https
  // failure; answer it as a TLS-only host does, with a redirect, so its errors stay the https ones.
  const redirect = where.tls
    ? await serve(
        (req, res) => {
          res.writeHead(301, { Location: `https://${o.service}${req.url}` })
          res.end()
        },
        { host: where.host, name: where.name, port: 80, wire: where.wire },
      )
    : undefined

  const push = (repository: string, tag: string, content: string, format: ImageFormat = 'docker') =>
    pushImage(
      backend,
      registryToken(signer, o.service, 'sandbox-seeder', [{ type: 'repository', name: repository, actions: ['pull', 'push'] }]),
      {
        repository,
        tag,
        content,
        format,
      },
    )
  await push(SEEDED_IMAGE, 'latest', 'Hello from the setup-chainctl sandbox\n')
  for (const tag of SEEDED_TAGS['acme.com/python']) await push('acme.com/python', tag, `python ${tag}\n`, 'oci-index')
  const self: Registry = {
    ...running,
    latencyMs: 0,
    backend,
    tokenRequests,
    issued,
    requests,
    refused,
    denied,
    push,
    process: child,
    close: async () => {
      await Promise.all([running.close(), redirect?.close()])
      await stopProcess(child)
    },
  }
  return self
}
