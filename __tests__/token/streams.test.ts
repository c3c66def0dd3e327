// Streamed downloads (the chainctl binary's way) against servers on loopback: a connection dropped
// mid-body restarts the download from scratch; a cancelled one stops halfway, without a retry.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { HttpError, send } from '../../src/net/http.js'
import { DEFAULT_POLICY } from '../../src/net/retry.js'

const fast = { ...DEFAULT_POLICY, baseMs: 20, capMs: 100, timeoutMs: 500, deadlineMs: 5000 }

describe('streamed downloads', () => {
  it('restart from scratch after a connection dropped mid-body', async () => {
    const body = Buffer.alloc(256 * 1024, 'z')
    let served = 0
    const flaky = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Length': String(body.length) })
      if (served++ === 0) {
        res.write(body.subarray(0, 1000))
        setTimeout(() => res.destroy(), 20) // dies halfway
      } else res.end(body)
    })
    await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}/chainctl`
    const received: number[] = []
    const retries: string[] = []
    const sink = async (stream: NodeJS.ReadableStream) => {
      let n = 0
      for await (const chunk of stream) n += (chunk as Buffer).length
      received.push(n)
    }
    const res = await send({ method: 'GET', url }, { service: 'download', policy: fast, sink, onRetry: (m) => retries.push(m) })
    expect(res.status).toBe(200)
    expect(received).toEqual([body.length]) // the broken attempt never completed the sink
    expect(retries).toEqual([expect.stringMatching(/^download request failed \((ECONNRESET|aborted)\); retry 1\/4/)])
    await new Promise((r) => flaky.close(r))
  })
})

describe('cancellation', () => {
  // The rest of cancellation is in __tests__/net/cancellation.test.ts; this is the streamed download's part.
  it('stops a streamed body halfway, without a retry', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200)
      res.write(Buffer.alloc(64 * 1024)) // then nothing more: the body never ends by itself
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/chainctl`
    const cancel = new AbortController()
    let received = 0
    const sink = async (stream: NodeJS.ReadableStream) => {
      for await (const chunk of stream) {
        received += (chunk as Buffer).length
        cancel.abort()
      }
    }
    const retries: string[] = []
    const policy = { ...fast, timeoutMs: 5000, deadlineMs: 20_000 }
    await expect(
      send({ method: 'GET', url }, { service: 'chainctl download', policy, sink, signal: cancel.signal, onRetry: (m) => retries.push(m) }),
    ).rejects.toThrow(new HttpError('chainctl download request was cancelled'))
    expect(received).toBeGreaterThan(0)
    expect(retries).toEqual([])
    await new Promise((r) => (server.closeAllConnections(), server.close(r)))
  })
})
