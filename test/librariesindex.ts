// A Chainguard Libraries index on loopback (HTTPS, trusted through the sandbox's CA) and a job of
// the test's own (temp folder, home, GITHUB_ENV and GITHUB_STATE files, a Maven installation as
// Debian ships it) for the setupLibraries tests; the test file calls useLibrariesIndex().
import { jest } from '@jest/globals'
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { delimiter, join } from 'node:path'
import tls from 'node:tls'
import { npmAuth } from '../src/libraries/clients.js'
import { setupLibraries } from '../src/libraries/setup.js'
import type { Ecosystem } from '../src/libraries/options.js'
import type { Credentials } from '../src/token/credentials.js'
import { HeldLog } from '../src/util/heldlog.js'
import { ensurePki } from './sandbox/pki.js'
import { tempDirs } from './tempdirs.ts'

export const IDENTITY = '4cf15780a13a9b6576d8b357e6524554c8c12a18/a4ccb5bb6d0b8a38'
export const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
export const TOKEN = `${b64({ alg: 'RS256' })}.${b64({ aud: 'libraries.cgr.dev', exp: 1900000000 })}.c2ln`
export const AUTH = npmAuth(TOKEN)

let server: Server
export let host: string
/** Status per path (200 unless named) and what the index was sent: "METHOD path authorization". */
export const answers: Record<string, number> = {}
export const requests: string[] = []
let root: string
let ca: Buffer
let runs = 0
export let job: { temp: string; home: string; env: string; state: string; conf: string }
let stdout: jest.SpiedFunction<typeof process.stdout.write>
const saved = { ...process.env }

/** Starts the index for this test file; each test gets a job of its own, the index's answers and requests reset. */
export function useLibrariesIndex(): void {
  const scratch = tempDirs('libraries-setup-') // removed after the file's tests
  beforeAll(async () => {
    root = scratch()
    const pki = ensurePki(join(root, 'pki'))
    server = createServer({ key: readFileSync(pki.tlsKey), cert: readFileSync(pki.tlsCert) }, (req, res) => {
      requests.push(`${req.method} ${req.url} ${req.headers.authorization ?? '-'}`)
      const status = answers[req.url ?? ''] ?? 200
      res
        .writeHead(status, status === 302 ? { Location: `https://localhost:${(server.address() as AddressInfo).port}/elsewhere/` } : {})
        .end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`
    ca = readFileSync(pki.caCert)
  })
  afterAll(() => new Promise((resolve) => server.close(resolve)))

  beforeEach(() => {
    // The index's certificate is the sandbox CA's, which this process trusts instead of the system's.
    const connect = tls.connect
    jest.spyOn(tls, 'connect').mockImplementation(((options: tls.ConnectionOptions) => connect({ ...options, ca })) as typeof tls.connect)
    const dir = join(root, `job-${++runs}`)
    job = {
      temp: join(dir, 'temp'),
      home: join(dir, 'home'),
      env: join(dir, 'env'),
      state: join(dir, 'state'),
      conf: join(dir, 'etc/maven'),
    }
    for (const folder of [job.temp, job.home, join(dir, 'maven/bin'), join(job.conf, 'logging')]) mkdirSync(folder, { recursive: true })
    writeFileSync(job.env, '')
    writeFileSync(job.state, '')
    // A Maven installation as Debian ships it: bin/mvn, and conf/ a link to /etc/maven, readable by all.
    writeFileSync(join(dir, 'maven/bin/mvn'), '#!/bin/sh\n', { mode: 0o755 })
    symlinkSync(job.conf, join(dir, 'maven/conf'))
    writeFileSync(join(job.conf, 'settings.xml'), '<settings>\n  <localRepository>/opt/m2</localRepository>\n</settings>\n')
    writeFileSync(join(job.conf, 'logging/simplelogger.properties'), 'org.slf4j.simpleLogger.defaultLogLevel=info\n')
    chmodSync(join(job.conf, 'settings.xml'), 0o644)
    for (const name of ['NETRC', 'NPM_CONFIG_USERCONFIG', 'npm_config_userconfig', 'MAVEN_OPTS', 'STATE_undo']) delete process.env[name]
    Object.assign(process.env, {
      RUNNER_TEMP: job.temp,
      HOME: job.home,
      GITHUB_ENV: job.env,
      GITHUB_STATE: job.state,
      PATH: `${join(dir, 'maven/bin')}${delimiter}${saved.PATH}`,
    })
    for (const path of Object.keys(answers)) delete answers[path]
    requests.length = 0
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true)
  })
  afterEach(() => {
    jest.restoreAllMocks()
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name]
    Object.assign(process.env, saved)
  })
}

export const printed = () => stdout.mock.calls.map((c) => String(c[0])).join('')
export const audiences: string[] = []
export const creds: Credentials = {
  identity: IDENTITY,
  username: '_token',
  secret: 'registry-token',
  tokenFor: async (audience) => (audiences.push(audience), TOKEN),
}
/** Runs the setup with its log printed as it comes (as main does once the login's lines are out). */
export function setup(ecosystems: Ecosystem[], credentials = creds) {
  const log = new HeldLog()
  log.release()
  return setupLibraries({ ecosystems, host }, credentials, log)
}
/** Every file (and the folder itself, as '.') in `dir` that holds the token, with its mode. */
export function secretModes(dir: string): Record<string, number> {
  const modes: Record<string, number> = { '.': statSync(dir).mode & 0o777 }
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const path = join(dir, name)
    const text = statSync(path).isFile() ? readFileSync(path, 'utf8') : ''
    if (text.includes(TOKEN) || text.includes(AUTH)) modes[name] = statSync(path).mode & 0o777
  }
  return modes
}
export const leftIn = (dir: string) => readdirSync(dir)
