// A 429 from a server on loopback: the wait the default policy gives a lone job, and a 429 whose
// page never ends is still a 429.
import { jest } from '@jest/globals'
import { send } from '../../src/net/http.js'
import { failure, misbehaving, policy, useServers } from '../../test/misbehaving.ts'

useServers()

describe('a lone job the STS rate limits', () => {
  it('waits Retry-After plus up to 45 s after one 429, under the default policy (the figures troubleshooting.md gives)', async () => {
    const sts = await misbehaving((_req, res) => void res.writeHead(429, { 'Retry-After': '1' }).end())
    jest.spyOn(Math, 'random').mockReturnValue(0.999) // the worst the jitter draws
    const cancel = new AbortController()
    const retries: string[] = []
    const onRetry = (m: string) => (retries.push(m), cancel.abort())
    try {
      await failure(send({ method: 'POST', url: sts.url, body: 'x' }, { service: 'Chainguard STS', onRetry, signal: cancel.signal }))
    } finally {
      jest.restoreAllMocks()
    }
    // 1 s the STS asked for, 45 s of jitter on top: a request the docs bounded at 30 s.
    expect(retries).toEqual(['Chainguard STS answered HTTP 429; retry 1/9 in 46.0s'])
  })
})

describe('a 429 whose page never ends', () => {
  it('is still a 429: its Retry-After and rate-limit schedule hold, not a timed-out attempt on the fault schedule', async () => {
    const sts = await misbehaving((_req, res) => {
      res.writeHead(429, { 'Retry-After': '0', 'Content-Type': 'text/html' })
      const timer = setInterval(() => res.write(' '), 50) // a page that drips past the attempt's deadline
      res.on('close', () => clearInterval(timer))
    })
    const retries: string[] = []
    const rateLimit = { attempts: 2, baseMs: 1, capMs: 1, deadlineMs: 3000 }
    const res = await send(
      { method: 'GET', url: sts.url },
      { service: 'STS', policy: { ...policy, rateLimit }, onRetry: (m) => retries.push(m) },
    )
    expect(res.status).toBe(429)
    expect(retries).toEqual([expect.stringMatching(/^STS answered HTTP 429; retry 1\/1 in /)])
  })
})
