// Pure: where a redirect leads and what goes along.
import { redirected, type Hop } from '../../src/net/redirect.js'

const headers = { authorization: 'Bearer t', Accept: 'application/json' }
const get = (url: string): Hop => ({ method: 'GET', url: new URL(url), headers })
const post = (url: string): Hop => ({
  method: 'POST',
  url: new URL(url),
  headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': '11' },
  body: 'aud=cgr.dev',
})

it('never leads from https elsewhere, nor carries Authorization to another host', () => {
  const from = get('https://dl.enforce.dev/chainctl/latest/metadata.json')
  expect(redirected(from, 302, '/chainctl/0.2.51/x')).toEqual({ ...from, url: new URL('https://dl.enforce.dev/chainctl/0.2.51/x') })
  expect(redirected(from, 302, 'https://storage.example.com/x?sig=1')).toEqual({
    method: 'GET',
    url: new URL('https://storage.example.com/x?sig=1'),
    headers: { Accept: 'application/json' },
  })
  expect(redirected(from, 302, 'http://dl.enforce.dev/x')).toBe('from https to plain http on dl.enforce.dev')
  expect(redirected(from, 302, 'http://localhost:8080/x')).toBe('from https to plain http on localhost:8080')
  expect((redirected(get('http://localhost:8080/m'), 302, 'https://localhost:8443/m') as Hop).url.href).toBe('https://localhost:8443/m')
})

it('from plain http, follows only to https, the same server or another loopback one', () => {
  const from = get('http://127.0.0.1:8080/chainctl')
  expect((redirected(from, 302, '/other') as Hop).url.href).toBe('http://127.0.0.1:8080/other')
  expect((redirected(from, 302, 'http://localhost:9/x') as Hop).url.href).toBe('http://localhost:9/x')
  expect((redirected(from, 302, 'https://example.com/x') as Hop).url.href).toBe('https://example.com/x')
  expect((redirected(from, 302, 'http://127.10.10.10:9/x') as Hop).url.href).toBe('http://127.10.10.10:9/x')
  expect((redirected(from, 302, 'http://[::1]:9/x') as Hop).url.href).toBe('http://[::1]:9/x')
  expect(redirected(from, 302, 'http://example.com/x')).toBe('from http to plain http on example.com')
  // Loopback by its whole name only.
  expect(redirected(from, 302, 'http://localhost.example.com/x')).toBe('from http to plain http on localhost.example.com')
  expect(redirected(from, 302, 'http://notlocalhost/x')).toBe('from http to plain http on notlocalhost')
  expect(redirected(from, 302, 'ftp://127.0.0.1/x')).toBe('to ftp: URL')
  expect(redirected(from, 302, 'file:///etc/passwd')).toBe('to file: URL')
})

it('turns a POST into a GET without its body after a 303, 301 or 302; keeps it after a 307 or 308 on the same origin only', () => {
  const from = post('https://issuer.enforce.dev/sts/exchange')
  for (const status of [301, 302, 303]) {
    expect(redirected(from, status, '/sts/x')).toEqual({ method: 'GET', url: new URL('https://issuer.enforce.dev/sts/x'), headers })
  }
  expect(redirected(from, 307, '/sts/x')).toEqual({ ...from, url: new URL('https://issuer.enforce.dev/sts/x') })
  expect(redirected(from, 308, 'https://other.example.com/sts')).toBe('to another origin (https://other.example.com) with the request body')
  // A HEAD stays a HEAD after any redirect, a GET a GET with its headers.
  const head: Hop = { ...get('https://cgr.dev/v2/a/manifests/b'), method: 'HEAD' }
  for (const status of [301, 302, 303, 307]) expect(redirected(head, status, '/x')).toEqual({ ...head, url: new URL('https://cgr.dev/x') })
  const withType = { ...get('https://cgr.dev/v2/'), headers: { ...headers, 'Content-Type': 'text/plain' } }
  for (const status of [301, 302]) expect(redirected(withType, status, '/x')).toEqual({ ...withType, url: new URL('https://cgr.dev/x') })
})

it('throws ERR_INVALID_URL for a Location that is not a URL', () => {
  expect(() => redirected(get('https://cgr.dev/'), 302, 'http://[bad')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_URL' }))
})
