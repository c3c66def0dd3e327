// Pure: where a redirect leads, and what of the request goes along (RFC 9110 15.4).

export type Method = 'GET' | 'POST' | 'HEAD'

/** One hop of a request. */
export interface Hop {
  method: Method
  url: URL
  headers: Record<string, string>
  body?: string
}

export const REDIRECTS = [301, 302, 303, 307, 308]
export const MAX_REDIRECTS = 5

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i

const without = (headers: Record<string, string>, names: string[]) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !names.includes(name.toLowerCase())))

/**
 * The next hop after a `status` redirect to `location`, or why it is not followed. Plain http is
 * followed only on the same server or from http to loopback (a local mirror), never from https;
 * no Authorization header and no request body go to another origin (another port of the host is
 * another server). A 303, and a 301 or 302 after a POST, become a GET without the body, as
 * clients do; a 307 or 308 keeps the method and body, so it is not followed to another origin.
 * Throws ERR_INVALID_URL for a Location that is not a URL.
 */
export function redirected(from: Hop, status: number, location: string): Hop | string {
  const url = new URL(location, from.url)
  const sameOrigin = url.origin === from.url.origin
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `to ${url.protocol} URL`
  const plainOk = sameOrigin || (from.url.protocol === 'http:' && LOOPBACK.test(url.hostname))
  if (url.protocol === 'http:' && !plainOk) return `from ${from.url.protocol.slice(0, -1)} to plain http on ${url.host}`
  const toGet = (status === 303 && from.method !== 'HEAD') || ([301, 302].includes(status) && from.method === 'POST')
  let next: Hop = toGet ? { method: 'GET', url, headers: without(from.headers, ['content-type', 'content-length']) } : { ...from, url }
  if (sameOrigin) return next
  if (next.body !== undefined) return `to another origin (${url.origin}) with the request body`
  next = { ...next, headers: without(next.headers, ['authorization']) }
  return next
}
