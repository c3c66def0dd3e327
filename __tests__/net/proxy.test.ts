// Pure: NO_PROXY entries as Go's httpproxy reads them (docker, skopeo and chainctl).
import { bypassesProxy, noProxyEnv } from '../../src/net/proxy.js'

const goes = (url: string, noProxy: string) => bypassesProxy(new URL(url), noProxy)

it.each([
  ['https://cgr.dev/v2/', '*', true],
  ['https://cgr.dev/v2/', 'cgr.dev', true],
  ['https://a.cgr.dev/', 'cgr.dev', true],
  ['https://cgr.dev/', '.cgr.dev', false],
  ['https://a.cgr.dev/', '.cgr.dev', true],
  ['https://a.example.com/', '*.example.com', true],
  ['https://example.com/', '*.example.com', false],
  ['https://badexample.com/', 'example.com', false],
  ['https://CGR.dev/', ' Cgr.Dev ', true],
  ['https://192.0.2.7/', '192.0.2.0/24', true],
  ['https://192.0.3.7/', '192.0.2.0/24', false],
  ['https://192.0.2.7/', '192.0.2.7', true],
  ['https://[2001:db8::1]/', '2001:db8::/32', true],
  ['https://[::ffff:c000:207]/', '192.0.2.0/24', true],
  ['https://cgr.dev/', 'cgr.dev:443', true],
  ['https://cgr.dev/', 'cgr.dev:8443', false],
  ['https://cgr.dev:8443/', 'cgr.dev:8443', true],
  ['https://example.com/', 'cgr.dev,,example.org', false],
  ['https://cgr.dev./', 'example.org,,', false],
  // A name ending in a dot (a fully qualified one) matches itself, as in Go.
  ['https://cgr.dev./', 'cgr.dev.', true],
  ['https://example.com/', '', false],
  // A port goes with the URL's scheme: 80 for http, 443 for https.
  ['http://cgr.dev/', 'cgr.dev:80', true],
  ['http://cgr.dev/', 'cgr.dev:443', false],
  // IPv6 entries, bare or in brackets with a port.
  ['https://[2001:db8::1]/', '2001:db8::1', true],
  ['https://[2001:db8::1]/', '[2001:db8::1]:443', true],
  ['https://[2001:db8::1]/', '[2001:db8::1]:8443', false],
  ['https://[2001:db8::2]/', '2001:db8::1', false],
  // An address is matched as one, whatever its spelling: not read as host:port, nor compared as text.
  ['https://[2001:db8::1]/', '2001:db8:0:0:0:0:0:1', true],
  ['https://[2001:db8::1]/', '2001:0db8::1', true],
  // An address range names addresses, never a host name; one that is no range is skipped.
  ['https://cgr.dev/', '192.0.2.0/24', false],
  ['https://192.0.2.7/', 'cgr.dev/24', false],
  ['https://cgr.dev/', '10.0.0.0/8,cgr.dev', true],
])('%s with NO_PROXY=%j goes around the proxy: %s', (url, noProxy, expected) => {
  expect(goes(url, noProxy)).toBe(expected)
})

it('reads no_proxy, else NO_PROXY, as http-client does', () => {
  const saved = { no_proxy: process.env.no_proxy, NO_PROXY: process.env.NO_PROXY }
  try {
    Object.assign(process.env, { no_proxy: '', NO_PROXY: '10.0.0.0/8' })
    expect(noProxyEnv()).toBe('10.0.0.0/8')
    Object.assign(process.env, { no_proxy: 'cgr.dev' })
    expect(noProxyEnv()).toBe('cgr.dev')
    delete process.env.no_proxy
    delete process.env.NO_PROXY
    expect(noProxyEnv()).toBe('')
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
})
