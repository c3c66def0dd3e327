// One HTTP request under one deadline and a body cap, retried under a RetryPolicy with an overall deadline.
import { HttpClient, type HttpClientResponse } from '@actions/http-client'
import type { Agent } from 'node:http'
import { Readable } from 'node:stream'
import { oneLine } from '../util/text.js'
import { setTimeout as sleep } from 'node:timers/promises'
import { abortingOn, directWhenBypassed, reusing } from './handlers.js'
import { MAX_REDIRECTS, REDIRECTS, redirected, type Hop, type Method } from './redirect.js'
import {
  DEFAULT_POLICY,
  isRetryableError,
  isRetryableStatus,
  nextDelayMs,
  parseRetryAfter,
  scheduleFor,
  type RetryPolicy,
} from './retry.js'

export interface Request {
  method: Method
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
  /** The largest 200 body streamed to `sink`; MAX_BODY_BYTES unless given. Any other body is capped at MAX_BODY_BYTES. */
  maxBytes?: number
  /** Only the status and headers matter: the body is not read. */
  statusOnly?: boolean
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
/** The service could not be reached (network errors or timeouts) through every retry: an outage, not an answer. */
export class UnreachableError extends HttpError {}

const cancelled = (service: string) => new HttpError(`${service} request was cancelled`)
const size = (bytes: number) => (bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`)

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
  let hop: Hop = { method: req.method, url: new URL(req.url), headers: req.headers ?? {}, body: req.body }
  for (let hops = 0; ; hops++) {
    // http-client reads https_proxy/no_proxy.
    const handlers = [abortingOn(signal), directWhenBypassed(hop.url), ...(agent ? [reusing(agent)] : [])]
    const client = new HttpClient('setup-chainctl', handlers, { allowRetries: false, allowRedirects: false, keepAlive: false })
    clients.push(client)
    const res = await client.request(hop.method, hop.url.href, hop.body ?? null, hop.headers)
    const status = res.message.statusCode ?? 0
    const location = res.message.headers.location
    if (!REDIRECTS.includes(status) || !location || hops === MAX_REDIRECTS) return res
    res.message.destroy()
    const next = redirected(hop, status, location)
    if (typeof next === 'string') throw new HttpError(`${service} redirected ${next}; not followed`)
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
    // Only a streamed 200 may be large: an error page is read no further than any other answer.
    const sink = status === 200 ? opts.sink : undefined
    const limit = sink ? (opts.maxBytes ?? MAX_BODY_BYTES) : MAX_BODY_BYTES
    if (opts.statusOnly) return { status, headers: res.message.headers, data: Buffer.alloc(0) }
    const tooLarge = () =>
      new BodyTooLargeError(`${opts.service} answered HTTP ${status} with a body over the ${size(limit)} limit; stopped reading it`)
    // Only a 200 must come whole (a token, a binary): any other status is the answer whatever its page,
    // of which the part within the cap is kept for the message. A 429 keeps its Retry-After; a 403 is not retried as an outage.
    const truncate = status !== 200
    // A HEAD's Content-Length is the size of what a GET would bring: it has no body.
    if (req.method !== 'HEAD' && !truncate && Number(res.message.headers['content-length']) > limit) throw tooLarge()
    const body = capped(res.message, limit, tooLarge)
    if (sink) {
      await sink(Readable.from(body, { objectMode: false }))
      return { status, headers: res.message.headers, data: Buffer.alloc(0) }
    }
    const chunks: Buffer[] = []
    try {
      for await (const chunk of body) chunks.push(chunk)
    } catch (err) {
      // The status is the answer: a page over the cap, still coming at the deadline, cut off or garbled
      // does not turn a 429 into a timeout or a network error, nor an auth failure into one to retry.
      if (!truncate || opts.signal?.aborted) throw err
    }
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
  const remaining = (deadlineMs: number) => deadlineMs - (Date.now() - started)
  // An attempt after a 429 runs within the rate-limit schedule's deadline, any other within the policy's own.
  let schedule = policy
  for (let retry = 0; ; retry++) {
    if (opts.signal?.aborted) throw cancelled(opts.service)
    let res: Response | undefined
    let reason: string
    try {
      res = await attempt(req, Math.max(1, Math.min(policy.timeoutMs, remaining(schedule.deadlineMs))), opts)
      if (!isRetryableStatus(res.status)) return res
      reason = `answered HTTP ${res.status}`
    } catch (err) {
      if (err instanceof HttpError) throw err
      reason = `request failed (${reasonOf(err)})`
      const code = (err as NodeJS.ErrnoException)?.code
      if (!isRetryableError(code))
        throw new HttpError(`${opts.service} ${reason}: ${oneLine(String((err as Error)?.message ?? err))}; not retried`)
    }
    const retryAfter = res && parseRetryAfter(String(res.headers['retry-after'] ?? ''))
    schedule = scheduleFor(policy, res?.status === 429)
    const delay = nextDelayMs(retry, retryAfter, remaining(schedule.deadlineMs), schedule)
    if (delay === undefined) {
      if (res) return res
      const elapsed = ((Date.now() - started) / 1000).toFixed(1)
      throw new UnreachableError(`${opts.service} ${reason} after ${retry + 1} attempt(s) in ${elapsed}s`)
    }
    opts.onRetry?.(`${opts.service} ${reason}; retry ${retry + 1}/${schedule.attempts - 1} in ${(delay / 1000).toFixed(1)}s`)
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
