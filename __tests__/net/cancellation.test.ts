// A cancelled request ends at once, whatever it was doing: an attempt in flight, a backoff wait.
// (A streamed download's part: __tests__/token/streams.test.ts.)
import { HttpError } from '../../src/net/http.js'
import { drip, exchangeAt, failure, misbehaving, policy, useServers } from '../../test/misbehaving.ts'

useServers()

describe('cancellation', () => {
  it('destroys the attempt in flight at once and does not retry', async () => {
    const sts = await misbehaving(drip)
    const cancel = new AbortController()
    setTimeout(() => cancel.abort(), 100)
    const { err, ms } = await failure(exchangeAt(sts.url, { signal: cancel.signal, policy: { ...policy, timeoutMs: 10_000 } }))
    expect(err).toBeInstanceOf(HttpError)
    expect(err.message).toBe('Chainguard STS request was cancelled')
    expect(ms).toBeLessThan(2500) // not at the attempt's 10 s deadline
    expect(sts.requests).toBe(1)
    await sts.allClosed()
  })

  it('ends a backoff wait at once', async () => {
    const sts = await misbehaving((_req, res) => res.writeHead(503, { 'Retry-After': '10' }).end())
    const cancel = new AbortController()
    const onRetry = () => setTimeout(() => cancel.abort(), 50)
    const { err, ms } = await failure(exchangeAt(sts.url, { signal: cancel.signal, onRetry }))
    expect(err.message).toBe('Chainguard STS request was cancelled')
    expect(ms).toBeLessThan(2500) // not after the 10 s the STS asked for
    expect(sts.requests).toBe(1)
  })

  it('sends nothing when already cancelled', async () => {
    const sts = await misbehaving(drip)
    const { err } = await failure(exchangeAt(sts.url, { signal: AbortSignal.abort() }))
    expect(err.message).toBe('Chainguard STS request was cancelled')
    expect(sts.requests).toBe(0)
  })
})
