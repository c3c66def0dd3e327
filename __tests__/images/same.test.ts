// One manifest written several ways is checked once and reported under each; sha384 and sha512
// references are checked against the manifest's own hash of that kind.
import { jest } from '@jest/globals'
import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { checkImages } from '../../src/images/check.js'
import { parseReferences } from '../../src/images/reference.js'
import { DEFAULT_POLICY } from '../../src/net/retry.js'

const MANIFEST = Buffer.from('{"schemaVersion":2}')
const SHA256 = `sha256:${createHash('sha256').update(MANIFEST).digest('hex')}`
const SHA512 = `sha512:${createHash('sha512').update(MANIFEST).digest('hex')}`
const log: string[] = []
let registry: string
const server = createServer((req, res) => {
  log.push(`${req.method} ${req.url}`)
  if (req.url === '/v2/') return void res.end('{}')
  res
    .writeHead(200, { 'Docker-Content-Digest': SHA256, 'Content-Length': MANIFEST.length })
    .end(req.method === 'GET' ? MANIFEST : undefined)
})
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  registry = `127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise((r) => server.close(r)))
const printed: string[] = []
beforeEach(() => {
  log.length = printed.length = 0
  jest.spyOn(process.stdout, 'write').mockImplementation((line) => (printed.push(String(line)), true)) // core.info's lines
})
afterEach(() => jest.restoreAllMocks())

const check = (list: string) =>
  checkImages(
    parseReferences(list, registry),
    { registry, identity: 'ab/cd', username: '_token', secret: 's', pullToken: false },
    {
      origin: `http://${registry}`,
      policy: DEFAULT_POLICY,
    },
  )

it('checks acme/a, acme/a:latest and <registry>/acme/a once, reporting each', async () => {
  const digests = await check(`acme/a\nacme/a:latest,${registry}/acme/a`)
  expect(digests).toEqual({ 'acme/a': SHA256, 'acme/a:latest': SHA256, [`${registry}/acme/a`]: SHA256 })
  expect(log.filter((l) => l.startsWith('HEAD'))).toEqual(['HEAD /v2/acme/a/manifests/latest'])
  expect(printed).toEqual([
    `Checking that 3 image(s) (1 distinct) can be pulled from ${registry}\n`,
    `  acme/a: ${SHA256}\n`,
    `  acme/a:latest: ${SHA256}\n`,
    `  ${registry}/acme/a: ${SHA256}\n`,
  ])
})

it('checks a sha512 reference against the sha512 of the manifest', async () => {
  expect(await check(`acme/a@${SHA512}`)).toEqual({ [`acme/a@${SHA512}`]: SHA512 })
  const wrong = `sha512:${'0'.repeat(128)}`
  await expect(check(`acme/a@${wrong}`)).rejects.toThrow(`served manifest ${SHA512} for ${wrong}`)
})
