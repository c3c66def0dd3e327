// Stand-in for cgr.dev: the real registry (Debian's docker-registry, token auth) behind a small
// front that serves /token the way cgr.dev does: HTTP Basic `_token:<Chainguard token>` (verified
// against the STS's keys) or `<identity>:<pull token>`; everything else is proxied to the registry.
// The front can refuse an account's credentials, and deny it a repository: the token it then
// grants has no pull, and a request with it is answered 403 DENIED, as cgr.dev answers a pull the
// identity may not make (docker shows `Head ".../manifests/latest": denied`).
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomUUID } from 'node:crypto'
import { mkdirSync, openSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { json, serve, type Listen, type Running } from './http.ts'
import { now, sign, signerFromPem, verify, type Signer } from './jwt.ts'
import { certDerBase64, read, type Pki } from './pki.ts'
import { stopProcess } from './runner.ts'

export const SEEDED_IMAGE = 'chainguard/hello'
/** A second repository, of an organization, with several tags: OCI indexes, as cgr.dev serves. */
export const SEEDED_TAGS: Record<string, string[]> = { 'acme.com/python': ['3.12', '3.12-dev'] }
const TOKEN_ISSUER = 'sandbox-cgr-token'

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

export type ImageFormat = 'docker' | 'oci-index'

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo
      s.close(() => resolve(port))
    })
    s.once('error', reject)
  })
}

async function waitFor(url: string, ms: number): Promise<void> {
  const until = Date.now() + ms
  for (;;) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) }) // a backend that takes the connection but never answers
      return
    } catch {
      if (Date.now() > until) throw new Error(`registry did not start at ${url}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
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
  const port = await freePort()
  const backend = `http://127.0.0.1:${port}`
  mkdirSync(join(o.dataDir, 'storage'), { recursive: true })
  const config = join(o.dataDir, 'config.yml')
  const realm = `${where.tls ? 'https' : 'http'}://${where.name ?? where.host}${where.port && where.port !== 443 ? `:${where.port}` : ''}/token`
  writeFileSync(
    config,
    `version: 0.1
log: { level: warn }
storage: { filesystem: { rootdirectory: ${join(o.dataDir, 'storage')} }, delete: { enabled: true } }
http: { addr: 127.0.0.1:${port}, secret: sandbox-${randomUUID()} }
auth:
  token: { realm: "${realm}", service: "${o.service}", issuer: ${TOKEN_ISSUER}, rootcertbundle: ${o.pki.tokenCert} }
`,
  )
  const log = openSync(join(o.dataDir, 'registry.log'), 'a')
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', log, log] })
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`docker-registry exited with ${code}; see ${o.dataDir}/registry.log`))),
  )
  await Promise.race([waitFor(`${backend}/v2/`, 10_000), exited])
  exited.catch(() => undefined)

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

/** Each seeding request, body included, ends within 10 s: a stuck backend fails the sandbox's start, not the whole run. */
const bounded = () => AbortSignal.timeout(10_000)
const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`

/**
 * Pushes a tiny one-layer image straight to the backend: a docker v2 manifest, or an OCI index
 * over one linux/amd64 OCI manifest. Returns the digest of what the tag names.
 */
async function pushImage(
  backend: string,
  token: string,
  image: { repository: string; tag: string; content: string; format: ImageFormat },
): Promise<string> {
  const auth = { Authorization: `Bearer ${token}` }
  const oci = image.format === 'oci-index'
  const tar = tarFile('hello.txt', image.content)
  const layer = gzipSync(tar)
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/hello.txt'] },
      rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
    }),
  )
  for (const blob of [layer, config]) {
    const start = await fetch(`${backend}/v2/${image.repository}/blobs/uploads/`, { method: 'POST', headers: auth, signal: bounded() })
    const location = new URL(start.headers.get('location') ?? '', backend)
    location.searchParams.set('digest', sha256(blob))
    const put = await fetch(location, {
      method: 'PUT',
      headers: { ...auth, 'Content-Type': 'application/octet-stream' },
      body: blob,
      signal: bounded(),
    })
    if (put.status !== 201) throw new Error(`seeding blob failed: HTTP ${put.status} ${await put.text()}`)
  }
  const putManifest = async (ref: string, manifest: { mediaType: string }) => {
    const body = Buffer.from(JSON.stringify(manifest))
    const put = await fetch(`${backend}/v2/${image.repository}/manifests/${ref}`, {
      method: 'PUT',
      headers: { ...auth, 'Content-Type': manifest.mediaType },
      body,
      signal: bounded(),
    })
    if (put.status !== 201) throw new Error(`seeding manifest failed: HTTP ${put.status} ${await put.text()}`)
    return { digest: sha256(body), size: body.length, mediaType: manifest.mediaType }
  }
  const manifest = {
    schemaVersion: 2,
    mediaType: oci ? 'application/vnd.oci.image.manifest.v1+json' : 'application/vnd.docker.distribution.manifest.v2+json',
    config: {
      mediaType: oci ? 'application/vnd.oci.image.config.v1+json' : 'application/vnd.docker.container.image.v1+json',
      size: config.length,
      digest: sha256(config),
    },
    layers: [
      {
        mediaType: oci ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.docker.image.rootfs.diff.tar.gzip',
        size: layer.length,
        digest: sha256(layer),
      },
    ],
  }
  if (!oci) return (await putManifest(image.tag, manifest)).digest
  const platform = await putManifest(sha256(Buffer.from(JSON.stringify(manifest))), manifest)
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ ...platform, platform: { architecture: 'amd64', os: 'linux' } }],
  }
  return (await putManifest(image.tag, index)).digest
}

/** A ustar archive holding one regular file. */
function tarFile(name: string, content: string): Buffer {
  const data = Buffer.from(content)
  const header = Buffer.alloc(512)
  const field = (value: string, offset: number, length: number) => header.write(value, offset, length, 'ascii')
  field(name, 0, 100)
  field('0000644\0', 100, 8)
  field('0000000\0', 108, 8)
  field('0000000\0', 116, 8)
  field(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 12)
  field('00000000000\0', 136, 12)
  field('        ', 148, 8)
  field('0', 156, 1)
  field('ustar\0', 257, 6)
  field('00', 263, 2)
  const sum = header.reduce((a, b) => a + b, 0)
  field(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8)
  const padded = Buffer.alloc(Math.ceil(data.length / 512) * 512)
  data.copy(padded)
  return Buffer.concat([header, padded, Buffer.alloc(1024)])
}
