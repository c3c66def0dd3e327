// The manifests the image check takes from a registry on loopback: by HEAD whatever their size,
// hashed when the registry sends no digest, refused when the digest is not the one asked for.
import { DIGEST, failure, run, stub, useStubRegistry } from '../../test/checkregistry.ts'

useStubRegistry()

it("takes a HEAD whose Content-Length (the manifest's size, no body) is over the body cap", async () => {
  stub.manifest = Buffer.alloc(2 * 1024 * 1024, ' ')
  expect(await run('a/x')).toEqual({ 'a/x': DIGEST })
})

it('hashes the manifest when HEAD brings no Docker-Content-Digest, within a size cap', async () => {
  stub.digestHeader = false
  expect(await run('a/x')).toEqual({ 'a/x': DIGEST })
  expect(stub.log.at(-1)).toBe('GET /v2/a/x/manifests/latest Bearer')
  stub.manifest = Buffer.alloc(4 * 1024 * 1024 + 1, ' ')
  expect(await failure('a/x')).toMatch(
    /a\/x: unexpected answer: .* answered a manifest larger than 4 MiB after a HEAD without Docker-Content-Digest$/,
  )
})

it('refuses a manifest whose digest is not the one asked for', async () => {
  const other = `sha256:${'1'.repeat(64)}`
  expect(await failure(`a/x@${other}`)).toMatch(new RegExp(`a/x@${other}: unexpected answer: .* served manifest ${DIGEST} for ${other}$`))
  // From the HEAD alone: a sha256 reference is never fetched (a GET of a manifest counts as a pull).
  expect(stub.log.filter((l) => l.startsWith('GET /v2/a/x/'))).toEqual([])
})
