// Real Yarn Berry (4) with what the javascript route hands later steps, and a project whose
// .yarnrc.yml sends a scope to another registry (as JSR's npm.jsr.io setup does): that registry,
// which has no credentials configured of its own, must never receive the libraries token.
import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { javascript } from '../../src/libraries/clients.js'

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJsaWJyYXJpZXMuY2dyLmRldiJ9.c2ln'
// Resolved as Node resolves a package, so a copy of the project (Stryker's sandbox) finds it too.
const YARN = createRequire(join(process.cwd(), 'package.json')).resolve('@yarnpkg/cli-dist/bin/yarn.js')

let server: Server
const seen: string[] = [] // the Authorization header of each request the other registry got
beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers.authorization ?? '')
    res.writeHead(404).end('{}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
})
afterAll(() => new Promise((resolve) => server.close(resolve)))

test('Yarn Berry sends the libraries token to no registry but the libraries host', async () => {
  const other = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const dir = mkdtempSync(join(tmpdir(), 'berry-'))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', dependencies: { '@jsr/std__path': '1.0.0' } }))
  writeFileSync(join(dir, '.yarnrc.yml'), `npmScopes:\n  jsr:\n    npmRegistryServer: "${other}"\nunsafeHttpWhitelist: ["127.0.0.1"]\n`)
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    YARN_ENABLE_GLOBAL_CACHE: 'false',
    YARN_ENABLE_TELEMETRY: '0',
    YARN_HTTP_RETRY: '0',
    ...javascript('libraries.cgr.dev', TOKEN, '').env,
  }
  await new Promise((resolve) => execFile('node', [YARN, 'install'], { cwd: dir, env, timeout: 60_000 }, resolve))
  expect(seen.length).toBeGreaterThan(0) // the scope's metadata was asked for
  expect(seen.filter((h) => h !== '')).toEqual([])
}, 90_000)
