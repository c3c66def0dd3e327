// Tiny HTTP(S) server plumbing shared by the stand-ins.
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttps } from 'node:https'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'

/** One request as a stand-in saw it, from its arrival to the last byte of the answer. */
export interface Served {
  /** The stand-in's host name (e.g. issuer.enforce.dev), or its address. */
  host: string
  method: string
  /** Path and query: the stand-ins take no secret in a URL. */
  url: string
  userAgent: string
  /** performance.now() in the sandbox's process. */
  start: number
  end: number
  status: number
  /** The client went away before the answer was complete. */
  aborted: boolean
  /** The jti of the JWT this request was issued (OIDC) or presented (STS), to pair a client's calls. */
  issued?: string
  presented?: string
}

/**
 * What every stand-in shares: a delay before each answer, as a round trip over a WAN costs, and a
 * log of every request served, from which the bench derives the critical path.
 */
export interface Wire {
  delayMs: number
  /** Per host name: a delay that replaces delayMs there. */
  slow: Record<string, number>
  served: Served[]
}

export const newWire = (): Wire => ({ delayMs: 0, slow: {}, served: [] })

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string, served: Served) => void | Promise<void>

export interface Listen {
  host: string
  port: number
  /** Host name for the URL when it differs from the address listened on. */
  name?: string
  /** PEM key and cert: serve HTTPS. */
  tls?: { key: string; cert: string }
  wire?: Wire
}

export interface Running {
  url: string
  server: Server
  close(): Promise<void>
}

export async function serve(handler: Handler, where: Listen): Promise<Running> {
  const host = where.name ?? where.host
  const wire = where.wire ?? newWire()
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const served: Served = {
      host,
      method: req.method ?? '',
      url: req.url ?? '/',
      userAgent: req.headers['user-agent'] ?? '',
      start: performance.now(),
      end: 0,
      status: 0,
      aborted: false,
    }
    wire.served.push(served)
    res.on('finish', () => {
      served.end = performance.now()
      served.status = res.statusCode
    })
    res.on('close', () => {
      if (res.writableFinished) return
      served.end = performance.now()
      served.aborted = true
    })
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const answer = () => {
        Promise.resolve(handler(req, res, Buffer.concat(chunks).toString(), served)).catch((err: Error) => {
          if (!res.headersSent) json(res, 500, { code: 13, message: err.message })
        })
      }
      const delay = wire.slow[host] ?? wire.delayMs
      if (delay <= 0) return answer()
      const timer = setTimeout(answer, delay)
      res.once('close', () => clearTimeout(timer))
    })
  }
  const server = where.tls ? createHttps(where.tls, onRequest) : createHttp(onRequest)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(where.port, where.host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const scheme = where.tls ? 'https' : 'http'
  const defaultPort = where.tls ? 443 : 80
  return {
    url: `${scheme}://${host}${port === defaultPort ? '' : `:${port}`}`,
    server,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

export function bearer(req: IncomingMessage): string | undefined {
  const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')
  return m?.[1]
}
