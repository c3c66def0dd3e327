// Tiny HTTP(S) server plumbing shared by the stand-ins.
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttps } from 'node:https'
import type { AddressInfo } from 'node:net'

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void | Promise<void>

export interface Listen {
  host: string
  port: number
  /** Host name for the URL when it differs from the address listened on. */
  name?: string
  /** PEM key and cert: serve HTTPS. */
  tls?: { key: string; cert: string }
}

export interface Running {
  url: string
  server: Server
  close(): Promise<void>
}

export async function serve(handler: Handler, where: Listen): Promise<Running> {
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      Promise.resolve(handler(req, res, Buffer.concat(chunks).toString())).catch((err: Error) => {
        if (!res.headersSent) json(res, 500, { code: 13, message: err.message })
      })
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
    url: `${scheme}://${where.name ?? where.host}${port === defaultPort ? '' : `:${port}`}`,
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
