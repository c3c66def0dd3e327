// The image check's connections to a registry on loopback: reused, kept past the deadlines of the
// requests they served, and never more checks at once than `concurrency`.
import { DIGEST, fast, retries, run, stub, useStubRegistry } from '../../test/checkregistry.ts'

useStubRegistry()

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
