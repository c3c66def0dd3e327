// One HTTP request with a per-attempt timeout, retried under a RetryPolicy with an overall deadline.
import { HttpClient } from '@actions/http-client'
import type { RequestHandler } from '@actions/http-client/lib/interfaces'
import type { Agent } from 'node:http'
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

export interface RequestOptions {
  /** Names the service in messages, e.g. "Chainguard STS". Never a URL with secrets in it. */
  service: string
  policy?: RetryPolicy
  /** Called before each retry with a one-line reason. */
  onRetry?: (message: string) => void
  /** Takes a 200 body as a stream instead of buffering it (large downloads); run again on a retry. */
  sink?: (body: NodeJS.ReadableStream) => Promise<void>
  /** Keeps connections open across requests (http-client's own agent lives one request); not through a proxy. */
  agent?: Agent
}

/** What the OIDC and STS clients take: retry settings, and how to mask the secrets they receive. */
export type ClientOptions = Partial<RequestOptions> & { mask?: (secret: string) => void }

export class HttpError extends Error {}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Puts `agent` in place of the client's own agent of the same kind: never of a proxy's tunnel, nor of the other scheme. */
const reusing = (agent: Agent): RequestHandler => ({
  prepareRequest(options) {
    if (options.agent && options.agent.constructor === agent.constructor) options.agent = agent
  },
  canHandleAuthentication: () => false,
  handleAuthentication: () => Promise.reject(new Error('no authentication handler')),
})

async function attempt(req: Request, timeoutMs: number, { sink, agent }: RequestOptions): Promise<Response> {
  // http-client reads https_proxy/no_proxy; socketTimeout ends a request that goes quiet.
  const handlers = agent ? [reusing(agent)] : undefined
  const client = new HttpClient('setup-chainctl', handlers, { socketTimeout: timeoutMs, allowRetries: false, keepAlive: false })
  try {
    const res = await client.request(req.method, req.url, req.body ?? null, req.headers ?? {})
    const status = res.message.statusCode ?? 0
    if (sink && status === 200) {
      await sink(res.message)
      return { status, headers: res.message.headers, data: Buffer.alloc(0) }
    }
    const chunks: Buffer[] = []
    for await (const chunk of res.message) chunks.push(chunk as Buffer)
    return { status, headers: res.message.headers, data: Buffer.concat(chunks) }
  } finally {
    client.dispose()
  }
}

/** A network error in a few words, for retry logs and messages. */
function reasonOf(err: unknown): string {
  const e = err as NodeJS.ErrnoException
  if (e?.message?.startsWith('Request timeout')) return 'timed out'
  return e?.code ?? e?.message ?? String(err)
}

/**
 * Sends `req`, retrying network errors, 429 and 5xx. Any other status is returned to the caller
 * to interpret; a retryable one is returned too once retries are exhausted.
 */
export async function send(req: Request, opts: RequestOptions): Promise<Response> {
  const policy = opts.policy ?? DEFAULT_POLICY
  const started = Date.now()
  const remaining = () => policy.deadlineMs - (Date.now() - started)
  for (let retry = 0; ; retry++) {
    let res: Response | undefined
    let reason: string
    try {
      res = await attempt(req, Math.max(1, Math.min(policy.timeoutMs, remaining())), opts)
      if (!isRetryableStatus(res.status)) return res
      reason = `answered HTTP ${res.status}`
    } catch (err) {
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
    await sleep(delay)
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
