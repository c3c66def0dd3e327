// Misbehaving servers and proxies on loopback for the HTTP clients' unit tests (__tests__/net/):
// ones that drip, stall, stream without end or hold a connection; the test file that starts them
// calls useServers(), which closes them after each test.
import { setTimeout as sleep } from 'node:timers/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Server, Socket } from 'node:net'
import { exchangeToken } from '../src/token/sts.js'
import { DEFAULT_POLICY } from '../src/net/retry.js'

export const IDENTITY = '4cf15780a13a9b6576d8b357e6524554c8c12a18/a4ccb5bb6d0b8a38'
// Two attempts of 300 ms: a client without a whole-attempt deadline would never finish. The overall
// deadline is far (30 s), so a test sees whether an attempt ended by its own.
export const policy = { ...DEFAULT_POLICY, attempts: 2, baseMs: 20, capMs: 50, timeoutMs: 300, deadlineMs: 30_000 }
// For tests about something other than time: 300 ms per attempt runs out on a loaded machine
// (Stryker's instrumented code beside other jobs) and a retry would hide what they check.
export const roomy = { ...policy, timeoutMs: 10_000 }
export const noMask = () => undefined

export interface Misbehaving {
  url: string
  requests: number
  /** Resolves once every connection the server took has been closed. */
  allClosed(): Promise<void>
  /** Whether every connection the server took is closed within `ms`. */
  closedWithin(ms: number): Promise<boolean>
}

const running: Array<() => Promise<void>> = []

/** Closes the servers each test started, and every connection they hold, after it. */
export function useServers(): void {
  afterEach(async () => void (await Promise.all(running.splice(0).map((close) => close()))))
}

/** A TCP server (the HTTP server's, or a bare one) that tracks its connections; closed after each test. */
export async function track(server: Server, scheme = 'http'): Promise<Omit<Misbehaving, 'requests'>> {
  const open = new Set<Socket>()
  const closed: Array<Promise<void>> = []
  server.on('connection', (socket: Socket) => {
    open.add(socket)
    closed.push(new Promise((r) => socket.on('close', () => (open.delete(socket), r()))))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  running.push(() => new Promise((r) => (open.forEach((s) => s.destroy()), server.close(() => r()))))
  const allClosed = async () => void (await Promise.all(closed))
  return {
    url: `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    allClosed,
    closedWithin: (ms) => Promise.race([allClosed().then(() => true), sleep(ms, false, { ref: false })]),
  }
}

export async function misbehaving(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Misbehaving> {
  const server = createServer((req, res) => {
    s.requests++
    res.on('error', () => undefined) // the client hangs up on purpose
    handler(req, res)
  })
  const s: Misbehaving = { requests: 0, ...(await track(server)) }
  return s
}

/** Writes `chunk` for as long as the client reads, up to `total` bytes (then ends), or forever. */
export function stream(res: ServerResponse, chunk: Buffer, total = Infinity): void {
  let sent = 0
  const pump = () => {
    while (!res.destroyed && sent < total) {
      sent += chunk.length
      if (!res.write(chunk)) return
    }
    if (sent >= total) res.end()
  }
  res.on('drain', pump)
  pump()
}

/** Headers now, then one byte every 50 ms: every byte would reset an idle timer. */
export const drip = (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'Content-Type': 'application/json' })
  res.write('{')
  const timer = setInterval(() => res.write(' '), 50)
  res.on('close', () => clearInterval(timer))
}

/** Headers and half a body, then silence on an open connection. */
export const stall = (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'Content-Type': 'application/json' })
  res.write('{"tok')
}

export const exchangeAt = (issuer: string, opts: Parameters<typeof exchangeToken>[1] = {}) =>
  exchangeToken({ issuer, identity: IDENTITY, audience: 'cgr.dev', idToken: 'x.y.z' }, { policy, mask: noMask, ...opts })

/** The error `work` fails with, and how long it took. */
export async function failure(work: Promise<unknown>): Promise<{ err: Error; ms: number }> {
  const started = Date.now()
  const err = await work.then(
    () => new Error('expected a failure'),
    (e: unknown) => e as Error,
  )
  return { err, ms: Date.now() - started }
}
