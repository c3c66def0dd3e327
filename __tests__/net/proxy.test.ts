// Pure: NO_PROXY entries as Go's httpproxy reads them (docker, skopeo and chainctl).
import { bypassesProxy } from '../../src/net/proxy.js'

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
  ['https://example.com/', '', false],
])('%s with NO_PROXY=%j goes around the proxy: %s', (url, noProxy, expected) => {
  expect(goes(url, noProxy)).toBe(expected)
})
