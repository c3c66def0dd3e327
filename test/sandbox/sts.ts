// Stand-in for the Chainguard STS (https://issuer.<env>/sts/exchange), per shared/PROTOCOL.md:
// form or query parameters, a GitHub OIDC JWT as bearer, identities matched by issuer, anchored
// subject regex and audience, grpc-gateway errors, and scriptable faults for tests.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { bearer, json, serve, type Listen, type Running, type Served } from './http.ts'
import { jwk, newSigner, now, sign, verify, type Claims, type Signer } from './jwt.ts'

export interface Identity {
  issuer: string
  /** An exact subject, or `subjectPattern` (anchored regex). */
  subject?: string
  subjectPattern?: string
  /** The OIDC audience the identity expects; defaults to issuer.<env host>. */
  audience?: string
}

/** `drip`: answer 200 with JSON headers, then one byte every `drip` ms for as long as the client listens. */
export type Fault = { status: number; retryAfter?: string } | { html: true } | { hang: true } | { drip: number }

export interface StsOptions {
  /** The issuer this STS names in its tokens, e.g. https://issuer.enforce.dev */
  issuer: string
  /** Trusted OIDC issuers and their keys. */
  trust: Record<string, () => Array<Record<string, unknown>>>
  identities: Record<string, Identity>
  /** Lifetime of issued tokens in seconds (the real one: about an hour). */
  ttl?: number
  /** Answer 429 (Retry-After: 1) beyond this many requests in flight. */
  maxInFlight?: number
  /** Hold each successful exchange this long, so concurrency limits bite. */
  latencyMs?: number
}

export interface StsRequest {
  method: string
  contentType: string
  status: number
}

export interface Sts extends Running {
  signer: Signer
  faults: Fault[]
  requests: StsRequest[]
  issued: string[]
  jwks: () => Array<Record<string, unknown>>
  options: StsOptions
}

const grpc = (res: ServerResponse, status: number, code: number, message: string, headers?: Record<string, string>) =>
  json(res, status, { code, message, details: [] }, headers)

function params(req: IncomingMessage, body: string): URLSearchParams {
  const query = new URL(req.url ?? '/', 'http://x').searchParams
  if (req.method === 'GET') return query
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim()
  // grpc-gateway reads form bodies here; a JSON body is not read at all.
  return type === 'application/x-www-form-urlencoded' ? new URLSearchParams(body) : query
}

function matches(id: Identity, claims: Claims, defaultAudience: string): string | undefined {
  if (claims.iss !== id.issuer) return `issuer ${JSON.stringify(claims.iss)} is not trusted by this identity`
  const sub = String(claims.sub)
  const subjectOk = id.subject !== undefined ? sub === id.subject : new RegExp(`^(?:${id.subjectPattern})$`).test(sub)
  if (!subjectOk) return `subject ${JSON.stringify(sub)} does not match this identity`
  const auds = Array.isArray(claims.aud) ? claims.aud : [claims.aud]
  if (!auds.includes(id.audience ?? defaultAudience)) return `audience ${JSON.stringify(claims.aud)} does not match this identity`
  return undefined
}

export async function startSts(where: Listen, options: StsOptions): Promise<Sts> {
  const signer = newSigner()
  const defaultAudience = new URL(options.issuer).host
  let inFlight = 0

  const exchange = async (req: IncomingMessage, res: ServerResponse, body: string, record: StsRequest, served: Served) => {
    const fault = sts.faults.shift()
    if (fault && 'hang' in fault) return // never answers; the client must time out
    if (fault && 'drip' in fault) {
      res.writeHead(200, { 'Content-Type': 'application/json' }).write('{')
      const timer = setInterval(() => res.write(' '), fault.drip)
      return void res.on('close', () => clearInterval(timer))
    }
    if (fault && 'html' in fault) {
      res.writeHead(502, { 'Content-Type': 'text/html' })
      return res.end('<html><head><title>502 Bad Gateway</title></head><body>upstream error</body></html>')
    }
    if (fault) {
      const headers: Record<string, string> = fault.retryAfter ? { 'Retry-After': fault.retryAfter } : {}
      return grpc(res, fault.status, fault.status === 429 ? 8 : 14, fault.status === 429 ? 'rate limited' : 'unavailable', headers)
    }
    if (options.maxInFlight !== undefined && inFlight >= options.maxInFlight) {
      return grpc(res, 429, 8, 'too many requests in flight', { 'Retry-After': '1' })
    }
    const p = params(req, body)
    const aud = p.getAll('aud')
    const identity = p.get('identity') ?? ''
    if (aud.length === 0) return grpc(res, 400, 3, 'audience must be specified')
    const token = bearer(req)
    if (!token) return grpc(res, 401, 16, 'no bearer token')
    let claims: Claims
    try {
      const iss = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).iss as string
      const keys = options.trust[iss]
      if (!keys) throw new Error(`untrusted issuer`)
      claims = verify(token, keys())
      served.presented = String(claims.jti)
    } catch (err) {
      return grpc(res, 401, 16, `JWT validation failed: ${(err as Error).message}`)
    }
    const id = options.identities[identity]
    if (!id) return grpc(res, 404, 5, `identity "${identity}" not found`)
    const mismatch = matches(id, claims, defaultAudience)
    if (mismatch) return grpc(res, 403, 7, `permission denied: ${mismatch}`)
    inFlight++
    try {
      if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs))
    } finally {
      inFlight--
    }
    const t = now()
    const issued = sign(signer, {
      iss: options.issuer,
      sub: identity,
      aud: aud.length === 1 ? aud[0] : aud,
      iat: t,
      nbf: t,
      exp: t + (options.ttl ?? 3600),
      act: { iss: claims.iss, sub: claims.sub },
    })
    sts.issued.push(issued)
    record.status = 200
    json(res, 200, { token: issued })
  }

  const running = await serve(async (req, res, body, served) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (path === '/.well-known/openid-configuration')
      return json(res, 200, { issuer: options.issuer, jwks_uri: `${options.issuer}/.well-known/jwks` })
    if (path === '/.well-known/jwks') return json(res, 200, { keys: [jwk(signer)] })
    if (path !== '/sts/exchange') return grpc(res, 404, 5, 'Not Found')
    if (req.method !== 'POST' && req.method !== 'GET') return grpc(res, 405, 12, 'Method Not Allowed')
    const record: StsRequest = { method: req.method, contentType: req.headers['content-type'] ?? '', status: 0 }
    sts.requests.push(record)
    res.on('finish', () => (record.status = res.statusCode))
    await exchange(req, res, body, record, served)
  }, where)

  const sts: Sts = { ...running, signer, faults: [], requests: [], issued: [], jwks: () => [jwk(signer)], options }
  return sts
}
