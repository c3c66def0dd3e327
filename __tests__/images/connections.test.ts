// The image check's connections to a registry on loopback: reused, kept past the deadlines of the
// requests they served (over https too), and never more checks at once than `concurrency`.
import { jest } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import tls from 'node:tls'
import { checkImages } from '../../src/images/check.js'
import { parseReferences } from '../../src/images/reference.js'
import { DIGEST, fast, MANIFEST, retries, run, stub, useStubRegistry } from '../../test/checkregistry.ts'
import { ensurePki } from '../../test/sandbox/pki.ts'
import { tempDirs } from '../../test/tempdirs.ts'

useStubRegistry()
const scratch = tempDirs('image-connections-')

it('reuses its connections: one for a check of images one after another', async () => {
  expect(await run('a/x:1\na/x:2\nb/y', { concurrency: 1 })).toEqual({ 'a/x:1': DIGEST, 'a/x:2': DIGEST, 'b/y': DIGEST })
  expect(stub.log).toHaveLength(5) // the challenge, a token, three HEADs
  expect(stub.connections).toBe(1)
})

it('keeps a connection past the deadlines of the requests it served before', async () => {
  // Each attempt's deadline fires after it is done; it must not end the next request on the same
  // connection. 16 HEADs of 100 ms outlast the first deadlines; a deadline of 1 s holds under load.
  stub.delayMs = 100
  const list = Array.from({ length: 16 }, (_, i) => `a/x:${i}`).join('\n')
  expect(Object.keys(await run(list, { concurrency: 1, policy: { ...fast, timeoutMs: 1000 } }))).toHaveLength(16)
  expect(retries).toEqual([])
  expect(stub.connections).toBe(1)
})

it('checks 20 images at once, and never more than `concurrency`', async () => {
  stub.delayMs = 400 // long enough that all 20 are in flight together on a loaded machine
  const list = Array.from({ length: 20 }, (_, i) => `a/x:${i}`).join('\n')
  await run(list)
  expect(stub.maxInFlight).toBe(20)
  stub.maxInFlight = 0
  await run(list, { concurrency: 8 })
  expect(stub.maxInFlight).toBe(8)
})

it('reuses its connection to an https registry too, as it does over http', async () => {
  const pki = ensurePki(join(scratch(), 'pki'))
  let connections = 0
  const server = createServer({ key: readFileSync(pki.tlsKey), cert: readFileSync(pki.tlsCert) }, (req, res) =>
    req.url === '/v2/'
      ? void res.writeHead(200).end('{}')
      : void res.writeHead(200, { 'Content-Length': MANIFEST.length, 'Docker-Content-Digest': DIGEST }).end(),
  ).on('secureConnection', () => connections++)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const at = `127.0.0.1:${(server.address() as AddressInfo).port}`
  // The server's certificate is the sandbox CA's, which this process trusts instead of the system's.
  const [connect, ca] = [tls.connect, readFileSync(pki.caCert)]
  jest.spyOn(tls, 'connect').mockImplementation(((options: tls.ConnectionOptions) => connect({ ...options, ca })) as typeof tls.connect)
  const login = { registry: at, identity: 'ab/cd', username: '_token', secret: 's', pullToken: false }
  const checking = checkImages(parseReferences('a/x:1\na/x:2\nb/y', at), login, {
    concurrency: 1,
    policy: fast,
    mask: () => undefined,
    onRetry: () => undefined,
  })
  const digests = await checking.finally(() => (server.closeAllConnections(), new Promise((resolve) => server.close(resolve))))
  expect(Object.values(digests)).toEqual([DIGEST, DIGEST, DIGEST])
  expect(connections).toBe(1) // the challenge and three HEADs, on one TLS connection
})
