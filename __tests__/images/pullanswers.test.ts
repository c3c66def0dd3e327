// The image check's reports of a registry that will not serve: the failing HEAD's causes (the
// tag-list probe tells a missing repository from a missing tag), registries it cannot speak to,
// and where the check goes by default (https, to the realm's own host).
import { createServer as createTcpServer, type AddressInfo } from 'node:net'
import { checkImages } from '../../src/images/check.js'
import { parseReferences } from '../../src/images/reference.js'
import { failure, fast, login, reg, tokenRegistry, type Route, useRegistry } from '../../test/pullregistry.ts'

useRegistry()

describe('a HEAD that fails', () => {
  const head = (status: number, headers: Record<string, string> = {}, tags = 404): Route =>
    tokenRegistry((_req, res, url) => void res.writeHead(url.pathname.endsWith('/tags/list') ? tags : status, headers).end())

  it('401 invalid_token: the token itself is refused', async () => {
    reg.route = head(401, { 'WWW-Authenticate': 'Bearer realm="x",error="invalid_token"' })
    expect(await failure('a/x')).toEqual([
      `  a/x: token refused: ${reg.registry} does not accept the Chainguard token of identity ab/cd (HTTP 401 invalid_token): check that the identity still exists`,
    ])
  })

  it.each([
    [401, { 'WWW-Authenticate': 'Bearer realm="x",error="insufficient_scope"' }, 'HTTP 401 insufficient_scope'],
    [403, {}, 'HTTP 403 DENIED'],
  ])('%i without pull: the identity may not pull it', async (status, headers, what) => {
    reg.route = head(status, headers)
    expect(await failure('a/x')).toEqual([
      `  a/x: denied: ab/cd may not pull a/x (${what}): check that it has the registry.pull role in organization a, and that a is entitled to x`,
    ])
  })

  it('404: the tag list, asked with the same token, tells a missing repository from a missing tag', async () => {
    reg.route = head(404, {}, 404)
    expect(await failure('a/x:1')).toEqual([
      `  a/x:1: not found: no repository a/x on ${reg.registry} (NAME_UNKNOWN): check the name, and that it has been added to organization a`,
    ])
    expect(reg.log.at(-1)).toBe('GET /v2/a/x/tags/list?n=1 Bearer pull-token-for-the-job')
    reg.route = head(404, {}, 200)
    expect(await failure('a/x:1')).toEqual([
      `  a/x:1: not found: a/x has no tag 1 (MANIFEST_UNKNOWN): check the tag; crane ls ${reg.registry}/a/x lists its tags`,
    ])
    reg.route = head(404, {}, 500)
    expect(await failure('a/x:1')).toEqual([
      `  a/x:1: not found: no such repository or tag on ${reg.registry} (HTTP 404): check the name, and that it has been added to organization a`,
    ])
  })

  it('any status but 200 and 404 asks no tag list', async () => {
    reg.route = head(400)
    expect(await failure('a/x')).toEqual([`  a/x: unexpected answer: ${reg.registry} answered HTTP 400 for the manifest`])
    expect(reg.log.filter((l) => l.includes('/tags/list'))).toEqual([])
  })
})

describe('a registry this check cannot speak to', () => {
  it.each([
    [401, 'Bearer service="t"', 'HTTP 401 with a bearer challenge'],
    [401, 'Negotiate', 'HTTP 401 with a negotiate challenge'],
    [403, `Bearer realm="http://127.0.0.1/token"`, 'HTTP 403 with a bearer challenge'],
    [404, '', 'HTTP 404 with no challenge'],
  ])('/v2/ answering %i %j', async (status, challenge, what) => {
    reg.route = (_req, res) => void res.writeHead(status, challenge ? { 'WWW-Authenticate': challenge } : {}).end()
    expect(await failure('a/x')).toEqual([
      `  a/x: unexpected answer: ${reg.registry}/v2/ answered ${what}: not a registry this check can speak to`,
    ])
  })

  it.each([
    ['no token', '{}'],
    ['an empty token', '{"token":""}'],
    ['a token that is not a string', '{"access_token":42}'],
    ['no JSON', 'token'],
  ])('a token endpoint answering 200 with %s', async (_what, body) => {
    reg.route = (_req, res, url) =>
      url.pathname === '/token'
        ? void res.writeHead(200).end(body)
        : void res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="${reg.origin}/token"` }).end()
    expect(await failure('a/x')).toEqual(['  a/x: unexpected answer: the token endpoint answered HTTP 200 without a token'])
  })
})

it('sends the token request to an https realm on another host', async () => {
  const hellos: number[] = []
  const realm = createTcpServer((s) => s.once('data', (d: Buffer) => (hellos.push(d[0]), s.destroy())))
  await new Promise<void>((resolve) => realm.listen(0, '127.0.0.1', resolve))
  const realmUrl = `https://localhost:${(realm.address() as AddressInfo).port}/token`
  reg.route = (_req, res) => void res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="${realmUrl}"` }).end()
  const [line] = await failure('a/x').finally(() => new Promise((resolve) => realm.close(resolve)))
  expect(line).toMatch(/^ {2}a\/x: registry unreachable: /)
  expect(hellos[0]).toBe(0x16) // a TLS handshake record: the ClientHello
})

it('speaks https to the registry logged in to when no origin is given', async () => {
  const hellos: number[] = []
  const tls = createTcpServer((s) => s.once('data', (d: Buffer) => (hellos.push(d[0]), s.destroy())))
  await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve))
  const at = `127.0.0.1:${(tls.address() as AddressInfo).port}`
  const checked = checkImages(
    parseReferences('a/x', at),
    { ...login(), registry: at },
    { policy: fast, mask: () => undefined, onRetry: () => undefined },
  )
  await expect(checked.finally(() => new Promise((resolve) => tls.close(resolve)))).rejects.toThrow(/registry unreachable/)
  expect(hellos[0]).toBe(0x16)
})
