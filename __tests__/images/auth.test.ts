// How the image check logs in to a registry on loopback: one challenge, one token for many
// repositories' pull scopes and one per repository where the registry asks, Basic or nothing where
// it asks that, and never the login to a token realm it cannot trust.
import { MANIFEST_TYPES, scopeGroups } from '../../src/images/session.js'
import { DIGEST, failure, fast, masked, registry, run, stub, useStubRegistry } from '../../test/checkregistry.ts'

useStubRegistry()

it("asks for the challenge once, one token for every repository's pull scope, and HEADs every manifest", async () => {
  const digests = await run('a/x:1\na/x:2\nb/y')
  expect(digests).toEqual({ 'a/x:1': DIGEST, 'a/x:2': DIGEST, 'b/y': DIGEST })
  expect(stub.log.filter((l) => l.startsWith('GET /v2/ '))).toHaveLength(1)
  expect(stub.log.filter((l) => l.startsWith('GET /token'))).toEqual([
    'GET /token?service=test&scope=repository%3Aa%2Fx%3Apull&scope=repository%3Ab%2Fy%3Apull Basic',
  ])
  expect(stub.log.filter((l) => l.startsWith('HEAD')).sort()).toEqual([
    'HEAD /v2/a/x/manifests/1 Bearer',
    'HEAD /v2/a/x/manifests/2 Bearer',
    'HEAD /v2/b/y/manifests/latest Bearer',
  ])
  expect(masked).toContain('registry-token:a/x,b/y')
  expect(MANIFEST_TYPES.split(', ')).toHaveLength(4)
})

it('gives a repository the shared token does not open a token of its own, as a pull of it asks', async () => {
  stub.grant = (repositories) => (repositories.length > 1 ? repositories.slice(0, 1) : repositories)
  expect(await run('a/x\nb/y:1\nb/y:2\nc/z')).toEqual({ 'a/x': DIGEST, 'b/y:1': DIGEST, 'b/y:2': DIGEST, 'c/z': DIGEST })
  const tokens = stub.log.filter((l) => l.startsWith('GET /token')).map((l) => l.split(' ')[1])
  expect(tokens[0]).toBe(
    '/token?service=test&scope=repository%3Aa%2Fx%3Apull&scope=repository%3Ab%2Fy%3Apull&scope=repository%3Ac%2Fz%3Apull',
  )
  expect(tokens.slice(1).sort()).toEqual([
    '/token?service=test&scope=repository%3Ab%2Fy%3Apull',
    '/token?service=test&scope=repository%3Ac%2Fz%3Apull',
  ])
  expect(masked).toEqual(expect.arrayContaining(['registry-token:a/x', 'registry-token:b/y', 'registry-token:c/z']))
})

it("asks again with the repository's own token when the registry answers the shared one with any other 4xx", async () => {
  // A token for many repositories is long: a server may refuse the header before it reads it.
  stub.maxAuthorization = 200
  const images = Array.from({ length: 12 }, (_, i) => `acme.com/image-${i}`)
  expect(Object.keys(await run(images.join('\n')))).toEqual(images)
  expect(stub.log.filter((l) => l.startsWith('GET /token'))).toHaveLength(13)
  // A registry that answers 404 for a repository the token does not open.
  stub.maxAuthorization = Infinity
  stub.unscoped = 404
  stub.grant = (repositories) => (repositories.length > 1 ? repositories.slice(1) : repositories)
  expect(await run('a/x\nb/y')).toEqual({ 'a/x': DIGEST, 'b/y': DIGEST })
})

it('asks per repository when the registry will not give one token for several, and fails each as its own', async () => {
  stub.grant = (repositories) => (repositories.length > 1 ? 400 : repositories[0] === 'd/w' ? 403 : repositories)
  const message = await failure('a/x\nd/w')
  expect(message.split('\n')).toEqual([
    `1 of 2 image(s) cannot be pulled from ${registry} as ab/cd:`,
    expect.stringMatching(/^ {2}d\/w: denied: ab\/cd may not pull d\/w \(HTTP 403\)/),
  ])
  expect(stub.log.filter((l) => l.startsWith('GET /token'))).toHaveLength(3)
})

it("takes a token endpoint outage as every image's: no token request per repository after it", async () => {
  stub.grant = () => 503
  const message = await failure('a/x\nb/y\nc/z')
  expect(message.split('\n').slice(1)).toEqual(
    ['a/x', 'b/y', 'c/z'].map((image) => `  ${image}: registry unreachable: the token endpoint answered HTTP 503 after retries`),
  )
  expect(stub.log.filter((l) => l.startsWith('GET /token'))).toHaveLength(fast.attempts)
})

it('asks for as many scopes at once as fit in a URL a server takes', () => {
  const repositories = Array.from({ length: 40 }, (_, i) => `acme.com/${String(i).padStart(100, 'x')}`)
  const groups = scopeGroups(repositories)
  expect(groups.flat()).toEqual(repositories)
  expect(groups.length).toBeGreaterThan(1)
  for (const group of groups)
    expect(group.map((r) => `&scope=${encodeURIComponent(`repository:${r}:pull`)}`).join('').length).toBeLessThanOrEqual(2000)
  expect(scopeGroups(['a/x', 'b/y'])).toEqual([['a/x', 'b/y']])
})

it('sends the login as Basic to a registry that asks for it, and nothing to one that asks for nothing', async () => {
  stub.challenge = 'Basic realm="registry"'
  expect(await run('a/x')).toEqual({ 'a/x': DIGEST })
  expect(stub.log.slice(1)).toEqual(['HEAD /v2/a/x/manifests/latest Basic'])
  stub.challenge = ''
  stub.log.length = 0
  expect(await run('a/x')).toEqual({ 'a/x': DIGEST })
  expect(stub.log).toEqual(['GET /v2/ -', 'HEAD /v2/a/x/manifests/latest -'])
})

it('takes a Basic challenge that names no realm: realm is a Bearer need only', async () => {
  stub.challenge = 'Basic'
  expect(await run('a/x')).toEqual({ 'a/x': DIGEST })
  expect(stub.log).toEqual(['GET /v2/ -', 'HEAD /v2/a/x/manifests/latest Basic'])
})

it('never sends the login in the clear to a realm on another host', async () => {
  stub.challenge = 'Bearer realm="http://elsewhere.example/token",service="test"'
  expect(await failure('a/x\nb/y')).toBe(
    [
      `2 of 2 image(s) cannot be pulled from ${registry} as ab/cd:`,
      "  a/x: unexpected answer: the token realm http://elsewhere.example is not https: the login's credentials are not sent there",
      "  b/y: unexpected answer: the token realm http://elsewhere.example is not https: the login's credentials are not sent there",
    ].join('\n'),
  )
  expect(stub.log.filter((l) => l.startsWith('GET /token'))).toEqual([])
})

it('names a token realm that is not a URL, rather than a bare "Invalid URL"', async () => {
  stub.challenge = 'Bearer realm="/token",service="test"'
  expect(await failure('a/x')).toBe(
    `1 of 1 image(s) cannot be pulled from ${registry} as ab/cd:\n` +
      `  a/x: unexpected answer: ${registry}/v2/ names the token realm "/token", which is not a URL: not a registry this check can speak to`,
  )
})
