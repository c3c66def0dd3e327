// Stand-in for Chainguard Libraries (https://libraries.cgr.dev, shared/PROTOCOL.md section 6):
// HTTP Basic `_token:<Chainguard JWT>` checked against the STS's keys, the audience and the
// expiry; a PEP 503 simple index with one wheel, an npm registry with one package whose tarball
// lives under /javascript-upstream/, and a Maven repository with one artifact (pom, jar, sha1).
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'
import { serve, type Listen, type Running } from './http.ts'
import { verify } from './jwt.ts'
import { scratchDir } from './runner.ts'

export type Ecosystem = 'python' | 'javascript' | 'java'
export const PACKAGE = { name: 'chainguard-hello', version: '1.0.0' }
export const ARTIFACT = { group: 'dev.chainguard.sandbox', artifact: 'hello', version: '1.0.0' }

export interface Libraries extends Running {
  /** Ecosystems whose token checks answer 403, as for an organization without the entitlement. */
  refuse: Set<Ecosystem>
  /** Paths served 200 to a valid token. */
  fetched: string[]
}

const WHEEL = `${PACKAGE.name.replace('-', '_')}-${PACKAGE.version}-py3-none-any.whl`

// A wheel and a jar are zip files: python3's zipfile writes them (python is there for pip anyway).
const ZIP = `
import base64, hashlib, json, sys, zipfile
out, files = sys.argv[1], json.loads(sys.argv[2])
record = sys.argv[3] if len(sys.argv) > 3 else None
with zipfile.ZipFile(out, 'w') as z:
    lines = []
    for name, text in files.items():
        z.writestr(name, text)
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b'=').decode()
        lines.append(f'{name},sha256={digest},{len(text.encode())}')
    if record:
        z.writestr(record, '\\n'.join(lines + [record + ',,']) + '\\n')
`
const zip = (out: string, files: Record<string, string>, record?: string) =>
  execFileSync('python3', ['-c', ZIP, out, JSON.stringify(files), ...(record ? [record] : [])])

const sha = (algorithm: string, data: Buffer) => createHash(algorithm).update(data)

/** The files the stand-in serves, made once per start: path under the host -> bytes. */
function build(): Map<string, Buffer> {
  const dir = scratchDir('libraries-')
  const info = `${PACKAGE.name.replace('-', '_')}-${PACKAGE.version}.dist-info`
  zip(
    join(dir, WHEEL),
    {
      'chainguard_hello/__init__.py': 'GREETING = "hello from Chainguard Libraries"\n',
      [`${info}/METADATA`]: `Metadata-Version: 2.1\nName: ${PACKAGE.name}\nVersion: ${PACKAGE.version}\n`,
      [`${info}/WHEEL`]: 'Wheel-Version: 1.0\nGenerator: sandbox\nRoot-Is-Purelib: true\nTag: py3-none-any\n',
    },
    `${info}/RECORD`,
  )
  mkdirSync(join(dir, 'package'))
  writeFileSync(join(dir, 'package/package.json'), JSON.stringify({ name: PACKAGE.name, version: PACKAGE.version, main: 'index.js' }))
  writeFileSync(join(dir, 'package/index.js'), "module.exports = 'hello from Chainguard Libraries'\n")
  execFileSync('tar', ['-czf', join(dir, 'package.tgz'), '-C', dir, 'package'])
  zip(join(dir, 'hello.jar'), { 'META-INF/MANIFEST.MF': 'Manifest-Version: 1.0\n', 'hello.txt': 'hello from Chainguard Libraries\n' })

  const files = new Map<string, Buffer>()
  const wheel = readFileSync(join(dir, WHEEL))
  files.set(`/python/files/${WHEEL}`, wheel)
  files.set(
    `/python/simple/${PACKAGE.name}/`,
    Buffer.from(
      `<!DOCTYPE html><html><body><a href="../../files/${WHEEL}#sha256=${sha('sha256', wheel).digest('hex')}">${WHEEL}</a></body></html>\n`,
    ),
  )
  files.set('/python/simple/', Buffer.from(`<!DOCTYPE html><html><body><a href="${PACKAGE.name}/">${PACKAGE.name}</a></body></html>\n`))

  const tgz = readFileSync(join(dir, 'package.tgz'))
  const tarball = `https://libraries.cgr.dev/javascript-upstream/${PACKAGE.name}/-/${PACKAGE.name}-${PACKAGE.version}.tgz`
  const dist = { tarball, shasum: sha('sha1', tgz).digest('hex'), integrity: `sha512-${sha('sha512', tgz).digest('base64')}` }
  const version = { name: PACKAGE.name, version: PACKAGE.version, main: 'index.js', dist }
  const published = '2024-01-02T03:04:05.000Z' // Yarn 4 holds back versions younger than a day, or without a time
  const time = { created: published, modified: published, [PACKAGE.version]: published }
  const packument = { name: PACKAGE.name, 'dist-tags': { latest: PACKAGE.version }, versions: { [PACKAGE.version]: version }, time }
  files.set(`/javascript/${PACKAGE.name}`, Buffer.from(JSON.stringify(packument)))
  files.set(new URL(tarball).pathname, tgz)

  // Maven puts plexus-utils 1.1 on the class path of every build extension that lacks it: served too.
  const jar = readFileSync(join(dir, 'hello.jar'))
  for (const [group, artifact, version] of [
    [ARTIFACT.group, ARTIFACT.artifact, ARTIFACT.version],
    ['org.codehaus.plexus', 'plexus-utils', '1.1'],
  ]) {
    const base = `/java/${group.replaceAll('.', '/')}/${artifact}/${version}/${artifact}-${version}`
    const pom = `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion><groupId>${group}</groupId><artifactId>${artifact}</artifactId><version>${version}</version></project>\n`
    for (const [ext, data] of [
      ['pom', Buffer.from(pom)],
      ['jar', jar],
    ] as const) {
      files.set(`${base}.${ext}`, data)
      files.set(`${base}.${ext}.sha1`, Buffer.from(sha('sha1', data).digest('hex')))
    }
  }
  return files
}

/** Why `req` is not let in, or undefined when it carries a valid libraries token. */
function refusal(req: IncomingMessage, audience: string, keys: () => Array<Record<string, unknown>>): string | undefined {
  const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1]
  if (!basic) return 'no credentials'
  const decoded = Buffer.from(basic, 'base64').toString()
  const at = decoded.indexOf(':')
  if (decoded.slice(0, at) !== '_token') return 'username is not _token'
  try {
    const claims = verify(decoded.slice(at + 1), keys())
    const auds = Array.isArray(claims.aud) ? claims.aud : [claims.aud]
    return auds.includes(audience) ? undefined : `audience ${JSON.stringify(claims.aud)} is not ${audience}`
  } catch (err) {
    return (err as Error).message
  }
}

const ROOTS: Record<Ecosystem, string> = { python: '/python/', javascript: '/javascript', java: '/java/' }

export async function startLibraries(where: Listen, stsKeys: () => Array<Record<string, unknown>>): Promise<Libraries> {
  const files = build()
  const audience = where.name ?? where.host
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const why = refusal(req, audience, stsKeys)
    if (why) return void res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="Chainguard Libraries"' }).end(`unauthorized: ${why}\n`)
    const ecosystem = (Object.keys(ROOTS) as Ecosystem[]).find((e) => path.startsWith(ROOTS[e]))
    if (ecosystem && libraries.refuse.has(ecosystem)) return void res.writeHead(403).end(`forbidden: no entitlement to ${ecosystem}\n`)
    const body = files.get(path) ?? (['/python/', '/javascript/', '/java/'].includes(path) ? Buffer.alloc(0) : undefined)
    if (!body) return void res.writeHead(404).end('not found\n')
    libraries.fetched.push(path)
    const type = path.endsWith('/') ? 'text/html' : path.startsWith('/javascript/') ? 'application/json' : 'application/octet-stream'
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length })
    res.end(req.method === 'HEAD' ? undefined : body)
  }
  const running = await serve(handle, where)
  const libraries: Libraries = { ...running, refuse: new Set(), fetched: [] }
  return libraries
}
