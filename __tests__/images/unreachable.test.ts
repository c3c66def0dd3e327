// A registry on loopback that fails (5xx, silence, nothing listening): retried, then reported
// unreachable once for all images, within one deadline.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { DIGEST, failure, fast, registry, retries, run, stub, useStubRegistry } from '../../test/checkregistry.ts'

useStubRegistry()

it('retries 5xx, logging each retry, then reports the registry unreachable', async () => {
  stub.faults.push(503, 503)
  expect(await run('a/x')).toEqual({ 'a/x': DIGEST })
  expect(retries).toEqual([
    expect.stringMatching(new RegExp(`^${registry} answered HTTP 503; retry 1/4 in`)),
    expect.stringMatching(/retry 2\/4/),
  ])
  stub.faults.push(...Array(5).fill(503))
  expect(await failure('a/x')).toBe(
    `1 of 1 image(s) cannot be pulled from ${registry} as ab/cd:\n  a/x: registry unreachable: ${registry} answered HTTP 503 after retries`,
  )
})

it('stops starting checks once the registry is unreachable: one deadline, not one per wave of images', async () => {
  stub.silent = true
  const started = Date.now()
  const lines = (await failure(Array.from({ length: 64 }, (_, i) => `a/x:${i}`).join('\n'))).split('\n')
  expect(Date.now() - started).toBeLessThan(fast.deadlineMs * 1.5) // two waves of 32 took two deadlines
  const heads = new Set(stub.log.filter((l) => l.startsWith('HEAD')))
  expect(heads.size).toBe(32)
  expect(lines).toHaveLength(65)
  const unreachable = new RegExp(
    `^ {2}a/x:\\d+: registry unreachable: ${registry} request failed \\(timed out\\) after \\d attempt\\(s\\) in \\d\\.\\ds$`,
  )
  expect(lines.filter((l) => unreachable.test(l))).toHaveLength(32)
  const skipped = new RegExp(`^ {2}a/x:\\d+: registry unreachable: not checked: ${registry} request failed \\(timed out\\)`)
  expect(lines.filter((l) => skipped.test(l))).toHaveLength(32)
})

it('reports a registry that does not answer as unreachable, once for all images', async () => {
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const port = (closed.address() as AddressInfo).port
  await new Promise((resolve) => closed.close(resolve))
  const message = await failure('a/x\nb/y', { origin: `http://127.0.0.1:${port}` })
  const lines = message.split('\n')
  expect(lines).toHaveLength(3)
  expect(lines[1]).toMatch(
    new RegExp(`^ {2}a/x: registry unreachable: ${registry} request failed \\(ECONNREFUSED\\) after \\d attempt\\(s\\) in \\d+\\.\\ds$`),
  )
  expect(lines[2].replace('b/y', 'a/x')).toBe(lines[1])
})
