// One HTTP request under one deadline and a body cap, retried under a RetryPolicy with an overall deadline.
import { HttpClient, type HttpClientResponse } from '@actions/http-client'
import type { RequestHandler } from '@actions/http-client/lib/interfaces'
import type { Agent, RequestOptions as NodeRequestOptions } from 'node:http'
import { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { DEFAULT_POLICY, isRetryableStatus, nextDelayMs, parseRetryAfter, type RetryPolicy } from './retry.js'

export interface Request {
  method: 'GET' | 'POST' | 'HEAD'
  url: string
  headers?: Record<string, string>
  body?: string
}

export interface Response {
  status: number
  headers: Record<string, string | string[] | undefined>
  data: Buffer
}

export const text = (res: Response) => res.data.toString('utf8')

/** The most a JSON or text answer may hold: far above any real one, far below what could hurt. */
export const MAX_BODY_BYTES = 1024 * 1024

export interface RequestOptions {
  /** Names the service in messages, e.g. "Chainguard STS". Never a URL with secrets in it. */
  service: string
  policy?: RetryPolicy
  /** Called before each retry with a one-line reason. */
  onRetry?: (message: string) => void
  /** Takes a 200 body as a stream instead of buffering it (large downloads); run again on a retry. */
  sink?: (body: NodeJS.ReadableStream) => Promise<void>
  /** The largest body read, buffered or streamed to `sink`; MAX_BODY_BYTES unless given. */
  maxBytes?: number
  /** Cancels the request: the attempt in flight is destroyed at once and nothing is retried. */
  signal?: AbortSignal
  /** Keeps connections open across requests (http-client's own agent lives one request); not through a proxy. */
  agent?: Agent
}

/** What the OIDC and STS clients take: retry settings, and how to mask the secrets they receive. */
export type ClientOptions = Partial<RequestOptions> & { mask?: (secret: string) => void }

/** A failure no retry can mend: retries spent, a body over the limit, a cancelled request. */
export class HttpError extends Error {}
export class BodyTooLargeError extends HttpError {}

const cancelled = (service: string) => new HttpError(`${service} request was cancelled`)
const size = (bytes: number) => (bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`)

/** An http-client handler that only adjusts each request's options. */
const preparing = (prepareRequest: (options: NodeRequestOptions) => void): RequestHandler => ({
  prepareRequest,
  canHandleAuthentication: () => false,
  handleAuthentication: () => Promise.reject(new Error('no authentication handler')),
})

/** Hands every request (and an https_proxy CONNECT) the signal that ends the attempt. */
const abortingOn = (signal: AbortSignal) =>
  preparing((options) => {
    options.signal = signal
    // With a proxy, http-client's tunnel agent sends the CONNECT with its own proxyOptions; a
    // proxy that never answers it would otherwise hold the socket, and the process, forever.
    const tunnel = options.agent as { proxyOptions?: NodeRequestOptions } | undefined
    if (tunnel?.proxyOptions) tunnel.proxyOptions.signal = signal
  })

/** Puts `agent` in place of the client's own agent of the same kind: never of a proxy's tunnel, nor of the other scheme. */
const reusing = (agent: Agent) =>
  preparing((options) => {
    if (options.agent && options.agent.constructor === agent.constructor) options.agent = agent
  })

/** The body's chunks, failing once more than `limit` bytes have come. */
async function* capped(body: AsyncIterable<Buffer>, limit: number, tooLarge: () => Error): AsyncGenerator<Buffer> {
  let total = 0
  for await (const chunk of body) {
    total += chunk.length
    if (total > limit) throw tooLarge()
    yield chunk
  }
}

/**
 * A proxy's refusal of the tunnel, which http-client's tunnel agent reports as ECONNRESET: a
 * 5xx stays a network error to retry, anything else (407 above all) is an answer to stop at.
 */
function proxyRefusal(err: unknown, service: string): Error | undefined {
  const status = Number(/^tunneling socket could not be established, statusCode=(\d+)$/.exec((err as Error)?.message)?.[1])
  if (!status) return undefined
  const answer = `the proxy answered CONNECT with HTTP ${status}`
  return isRetryableStatus(status) ? new Error(answer) : new HttpError(`${service} request failed: ${answer}; not retried`)
}

const REDIRECTS = [301, 302, 303, 307, 308]
const MAX_REDIRECTS = 5

/**
 * Where a redirect leads: the same request, never from https to anything else (undefined), and
 * no Authorization header to another origin (another port of the host is another server).
 */
export function redirected(
  from: URL,
  location: string,
  headers: Record<string, string>,
): { url: URL; headers: Record<string, string> } | undefined {
  const url = new URL(location, from)
  if (from.protocol === 'https:' && url.protocol !== 'https:') return undefined
  if (url.origin === from.origin) return { url, headers }
  return { url, headers: Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization')) }
}

/**
 * Sends `req` and follows its redirects without reading their bodies (http-client's own
 * redirects buffer them whole). A client per hop, each disposed by the caller: one client would
 * reuse its http agent for an https hop.
 */
async function follow(
  req: Request,
  signal: AbortSignal,
  service: string,
  clients: HttpClient[],
  agent?: Agent,
): Promise<HttpClientResponse> {
  let hop = { url: new URL(req.url), headers: req.headers ?? {} }
  for (let hops = 0; ; hops++) {
    // http-client reads https_proxy/no_proxy.
    const handlers = [abortingOn(signal), ...(agent ? [reusing(agent)] : [])]
    const client = new HttpClient('setup-chainctl', handlers, { allowRetries: false, allowRedirects: false, keepAlive: false })
    clients.push(client)
    const res = await client.request(req.method, hop.url.href, req.body ?? null, hop.headers)
    const location = res.message.headers.location
    if (!REDIRECTS.includes(res.message.statusCode ?? 0) || !location || hops === MAX_REDIRECTS) return res
    res.message.destroy()
    const next = redirected(hop.url, location, hop.headers)
    if (!next) throw new HttpError(`${service} redirected from https to another scheme; not followed`)
    hop = next
  }
}

async function attempt(req: Request, timeoutMs: number, opts: RequestOptions): Promise<Response> {
  // One deadline for DNS, connect, proxy CONNECT, TLS, headers and the whole body: a server that
  // drips or stalls is cut off by destroying the request, not by an idle timer it can keep resetting.
  const deadline = AbortSignal.timeout(timeoutMs)
  const signal = opts.signal ? AbortSignal.any([deadline, opts.signal]) : deadline
  const clients: HttpClient[] = []
  let res: HttpClientResponse | undefined
  try {
    res = await follow(req, signal, opts.service, clients, opts.agent)
    const status = res.message.statusCode ?? 0
    const limit = opts.maxBytes ?? MAX_BODY_BYTES
    const tooLarge = () =>
      new BodyTooLargeError(`${opts.service} answered HTTP ${status} with a body over the ${size(limit)} limit; stopped reading it`)
    // A HEAD's Content-Length is the size of what a GET would bring: it has no body.
    if (req.method !== 'HEAD' && Number(res.message.headers['content-length']) > limit) throw tooLarge()
    const body = capped(res.message, limit, tooLarge)
    if (opts.sink && status === 200) {
      await opts.sink(Readable.from(body, { objectMode: false }))
      return { status, headers: res.message.headers, data: Buffer.alloc(0) }
    }
    const chunks: Buffer[] = []
    for await (const chunk of body) chunks.push(chunk)
    return { status, headers: res.message.headers, data: Buffer.concat(chunks) }
  } catch (err) {
    if (opts.signal?.aborted) throw cancelled(opts.service)
    if (deadline.aborted) throw new Error('timed out')
    throw proxyRefusal(err, opts.service) ?? err
  } finally {
    res?.message.destroy() // closes the connection of a body not read to its end
    for (const client of clients) client.dispose()
  }
}

/** A network error in a few words, for retry logs and messages. */
function reasonOf(err: unknown): string {
  const e = err as NodeJS.ErrnoException
  return e?.code ?? e?.message ?? String(err)
}

/**
 * Sends `req`, retrying network errors (a timed-out attempt among them), 429 and 5xx. Any other
 * status is returned to the caller to interpret; a retryable one is returned too once retries are
 * exhausted.
 */
export async function send(req: Request, opts: RequestOptions): Promise<Response> {
  const policy = opts.policy ?? DEFAULT_POLICY
  const started = Date.now()
  const remaining = () => policy.deadlineMs - (Date.now() - started)
  for (let retry = 0; ; retry++) {
    if (opts.signal?.aborted) throw cancelled(opts.service)
    let res: Response | undefined
    let reason: string
    try {
      res = await attempt(req, Math.max(1, Math.min(policy.timeoutMs, remaining())), opts)
      if (!isRetryableStatus(res.status)) return res
      reason = `answered HTTP ${res.status}`
    } catch (err) {
      if (err instanceof HttpError) throw err
      reason = `request failed (${reasonOf(err)})`
    }
    const retryAfter = res && parseRetryAfter(String(res.headers['retry-after'] ?? ''))
    const delay = nextDelayMs(retry, retryAfter, remaining(), policy)
    if (delay === undefined) {
      if (res) return res
      const elapsed = ((Date.now() - started) / 1000).toFixed(1)
      throw new HttpError(`${opts.service} ${reason} after ${retry + 1} attempt(s) in ${elapsed}s`)
    }
    opts.onRetry?.(`${opts.service} ${reason}; retry ${retry + 1}/${policy.attempts - 1} in ${(delay / 1000).toFixed(1)}s`)
    await sleep(delay, undefined, { signal: opts.signal }).catch(() => {
      throw cancelled(opts.service)
    })
  }
}

/** Parses a JSON object body; undefined when the body is not one. */
export function jsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}
