// The image check as a user meets it, against a registry on loopback that answers each test's way:
// an image pinned by digest, a token endpoint that checks the login's credentials, an error body
// after a HEAD without digest, one denied image among good ones. Its failing answers: pullanswers.test.ts.
import { scopeGroups } from '../../src/images/session.js'
import { BASIC, DIGEST, failure, MANIFEST, reg, run, serves, tokenRegistry, useRegistry } from '../../test/pullregistry.ts'

useRegistry()

it('passes an image pinned by the digest the registry serves, asking for it by digest', async () => {
  reg.route = tokenRegistry(serves())
  expect(await run(`a/x@${DIGEST}`)).toEqual({ [`a/x@${DIGEST}`]: DIGEST })
  expect(reg.log.at(-1)).toBe(`HEAD /v2/a/x/manifests/${DIGEST} Bearer pull-token-for-the-job`)
})

it('leaves no connection open to the registry once the check is done', async () => {
  // With the manifest's length, as distribution answers a HEAD: the connection could serve again.
  reg.route = tokenRegistry(serves({ 'Docker-Content-Digest': DIGEST, 'Content-Length': String(MANIFEST.length) }))
  await run('a/x\nb/y')
  for (let waited = 0; reg.open > 0 && waited < 1000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10))
  expect(reg.open).toBe(0) // not left to the server's keep-alive timeout (5 s)
})

it('asks for every manifest type a pull takes, and logs each digest', async () => {
  reg.route = tokenRegistry(serves())
  await run('a/x')
  expect(reg.accepts.at(-1)).toBe(
    'HEAD application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, ' +
      'application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json',
  )
  expect(reg.printed).toEqual([`Checking that 1 image(s) can be pulled from ${reg.registry}\n`, `  a/x: ${DIGEST}\n`])
})

it('hashes the manifest when Docker-Content-Digest is not a digest alone', async () => {
  for (const header of [`${DIGEST}x`, `x${DIGEST}`]) {
    reg.route = tokenRegistry((req, res) =>
      req.method === 'HEAD' ? void res.writeHead(200, { 'Docker-Content-Digest': header }).end() : void res.writeHead(200).end(MANIFEST),
    )
    expect(await run('a/x')).toEqual({ 'a/x': DIGEST })
    expect(reg.log.at(-1)).toMatch(/^GET \/v2\/a\/x\/manifests\/latest /)
  }
})

it('reports a GET after a HEAD without digest that fails on the network as unreachable, not as too large', async () => {
  reg.route = tokenRegistry((req, res) => (req.method === 'HEAD' ? void res.writeHead(200).end() : void req.socket.destroy()))
  expect(await failure('a/x')).toEqual([
    expect.stringMatching(new RegExp(`^ {2}a/x: registry unreachable: ${reg.registry} request failed \\(ECONNRESET\\) after 2 attempt`)),
  ])
})

it("takes a 5xx to the shared token as the registry's outage, not as a reason to ask again", async () => {
  const own = tokenRegistry(serves())
  reg.route = (req, res, url) =>
    url.pathname === '/token' && url.searchParams.getAll('scope').length > 1
      ? void res.writeHead(200).end('{"token":"shared"}')
      : req.headers.authorization === 'Bearer shared'
        ? void res.writeHead(500).end()
        : own(req, res, url)
  expect((await failure('a/x\nb/y'))[0]).toBe(`  a/x: registry unreachable: ${reg.registry} answered HTTP 500 after retries`)
  expect(reg.log.filter((l) => l.includes('pull-token-for-the-job'))).toEqual([])
})

it('fits as many scopes as 2000 characters hold in one token request, and no more', () => {
  // Each scope parameter is &scope=repository%3A<name>%3Apull: 27 characters and the name.
  const [a, b] = ['a'.repeat(973), 'b'.repeat(973)]
  expect(scopeGroups([a, b])).toEqual([[a, b]])
  expect(scopeGroups([a, `${b}b`])).toEqual([[a], [`${b}b`]])
})

it("sends the login's own credentials to a token endpoint that checks them, and says when they are refused", async () => {
  reg.route = tokenRegistry(serves())
  expect(await run('a/x')).toEqual({ 'a/x': DIGEST })
  expect(reg.log.filter((l) => l.startsWith('GET /token'))).toEqual([`GET /token?service=t&scope=repository%3Aa%2Fx%3Apull ${BASIC}`])
  reg.log = []
  expect(await failure('a/x', 'revoked')).toEqual([
    `  a/x: token refused: ${reg.registry} does not accept the Chainguard token of identity ab/cd (HTTP 401 UNAUTHORIZED): check that the identity still exists`,
  ])
  expect(reg.log.filter((l) => l.startsWith('GET /token'))).toHaveLength(1) // one image: no shared token to try first
})

it('never reports an error body as the digest when a GET after a HEAD without digest fails', async () => {
  reg.route = tokenRegistry((req, res) =>
    req.method === 'HEAD' ? void res.writeHead(200).end() : void res.writeHead(404).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}'),
  )
  expect(await failure('a/x')).toEqual([
    `  a/x: unexpected answer: ${reg.registry} answered HTTP 404 to a GET after a HEAD without Docker-Content-Digest`,
  ])
})

it('checks every other image when one is denied: a denial is not an outage', async () => {
  reg.route = tokenRegistry((_req, res, url) =>
    url.pathname.startsWith('/v2/a/denied/') ? void res.writeHead(403).end() : serves()(_req, res, url),
  )
  const lines = await failure('a/denied\na/x\na/y', undefined, { concurrency: 1 })
  expect(lines).toEqual([
    '  a/denied: denied: ab/cd may not pull a/denied (HTTP 403 DENIED): check that it has the registry.pull role in organization a, and that a is entitled to denied',
  ])
  expect(reg.log.filter((l) => /^HEAD \/v2\/a\/[xy]\//.test(l))).toHaveLength(2)
})

it('asks for a token without a service when the challenge names none', async () => {
  const withService = tokenRegistry(serves())
  reg.route = (req, res, url) =>
    url.pathname === '/v2/'
      ? void res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="${reg.origin}/token"` }).end()
      : withService(req, res, url)
  expect(await run('a/x')).toEqual({ 'a/x': DIGEST })
  expect(reg.log.filter((l) => l.startsWith('GET /token'))).toEqual([`GET /token?scope=repository%3Aa%2Fx%3Apull ${BASIC}`])
})

it("asks again with the repository's own token when the shared one is answered 400", async () => {
  // A server may answer a header it will not take with 400: the own token, shorter, is taken.
  const own = tokenRegistry(serves())
  reg.route = (req, res, url) =>
    url.pathname === '/token' && url.searchParams.getAll('scope').length > 1
      ? void res.writeHead(200).end('{"token":"shared"}')
      : req.headers.authorization === 'Bearer shared'
        ? void res.writeHead(400).end()
        : own(req, res, url)
  expect(await run('a/x\nb/y')).toEqual({ 'a/x': DIGEST, 'b/y': DIGEST })
})
