// setupLibraries and the post step's undo against a libraries index on loopback (HTTPS, trusted
// through the sandbox's CA): what later steps are handed, what the job's folder holds and with
// which modes, where the token goes (the libraries host only), what a refused token leaves
// (nothing), and what the undo leaves (nothing of ours, the user's files as they were).
import { jest } from '@jest/globals'
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import tls from 'node:tls'
import { npmAuth } from '../../src/libraries/clients.js'
import { setupLibraries } from '../../src/libraries/setup.js'
import { undoLibraries, type LibrariesUndo } from '../../src/libraries/undo.js'
import type { Ecosystem } from '../../src/libraries/options.js'
import type { Credentials } from '../../src/token/credentials.js'
import { HeldLog } from '../../src/util/heldlog.js'
import { stepsToUndo } from '../../src/util/state.js'
import { ensurePki } from '../../test/sandbox/pki.js'
import { fileCommands } from '../../test/sandbox/runner.js'

const IDENTITY = '4cf15780a13a9b6576d8b357e6524554c8c12a18/a4ccb5bb6d0b8a38'
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const TOKEN = `${b64({ alg: 'RS256' })}.${b64({ aud: 'libraries.cgr.dev', exp: 1900000000 })}.c2ln`
const AUTH = npmAuth(TOKEN)

let server: Server
let host: string
/** Status per path (200 unless named) and what the index was sent: "METHOD path authorization". */
const answers: Record<string, number> = {}
const requests: string[] = []
let root: string
let job: { temp: string; home: string; env: string; state: string; conf: string }
let stdout: jest.SpiedFunction<typeof process.stdout.write>
const saved = { ...process.env }

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'libraries-setup-'))
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

let ca: Buffer
let runs = 0
beforeEach(() => {
  // The index's certificate is the sandbox CA's, which this process trusts instead of the system's.
  const connect = tls.connect
  jest.spyOn(tls, 'connect').mockImplementation(((options: tls.ConnectionOptions) => connect({ ...options, ca })) as typeof tls.connect)
  const dir = join(root, `job-${++runs}`)
  job = { temp: join(dir, 'temp'), home: join(dir, 'home'), env: join(dir, 'env'), state: join(dir, 'state'), conf: join(dir, 'etc/maven') }
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

const printed = () => stdout.mock.calls.map((c) => String(c[0])).join('')
const audiences: string[] = []
const creds: Credentials = {
  identity: IDENTITY,
  username: '_token',
  secret: 'registry-token',
  tokenFor: async (audience) => (audiences.push(audience), TOKEN),
}
/** Runs the setup with its log printed as it comes (as main does once the login's lines are out). */
function setup(ecosystems: Ecosystem[], credentials = creds) {
  const log = new HeldLog()
  log.release()
  return setupLibraries({ ecosystems, host }, credentials, log)
}
/** Every file (and the folder itself, as '.') in `dir` that holds the token, with its mode. */
function secretModes(dir: string): Record<string, number> {
  const modes: Record<string, number> = { '.': statSync(dir).mode & 0o777 }
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const path = join(dir, name)
    const text = statSync(path).isFile() ? readFileSync(path, 'utf8') : ''
    if (text.includes(TOKEN) || text.includes(AUTH)) modes[name] = statSync(path).mode & 0o777
  }
  return modes
}
const leftIn = (dir: string) => readdirSync(dir)

describe('setupLibraries', () => {
  it('points pip, uv, npm, pnpm and Maven at the index with the identity’s token; 0600 files in a 0700 folder that undo removes', async () => {
    writeFileSync(join(job.home, '.netrc'), 'machine git.example.com login me password mine\n')
    writeFileSync(join(job.home, '.npmrc'), 'fund=false\n')
    process.env.MAVEN_OPTS = '-Xmx1g'
    audiences.length = 0
    const result = await setup(['python', 'javascript', 'java'])

    expect(result).toEqual({
      configured: { python: ['pip', 'uv'], javascript: ['npm', 'pnpm'], java: ['maven'] },
      expiresAt: '2030-03-17T17:46:40Z',
    })
    expect(audiences).toEqual([host])
    expect(requests.sort()).toEqual([`HEAD /java/ Basic ${AUTH}`, `HEAD /javascript/ Basic ${AUTH}`, `HEAD /python/simple/ Basic ${AUTH}`])

    const env = fileCommands(job.env)
    const dir = dirname(env.NETRC)
    expect(dir).toMatch(new RegExp(`^${job.temp}/chainguard-libraries-[0-9a-f]{12}$`))
    expect(env).toEqual({
      NETRC: `${dir}/netrc`,
      PIP_INDEX_URL: `https://${host}/python/simple/`,
      UV_DEFAULT_INDEX: `https://${host}/python/simple/`,
      NPM_CONFIG_USERCONFIG: `${dir}/npmrc`,
      npm_config_userconfig: `${dir}/npmrc`,
      MAVEN_OPTS: `-Xmx1g -Dmaven.conf=${dir}/maven-conf`,
    })
    expect(process.env.NETRC).toBe(`${dir}/netrc`) // this step's own later calls see them too
    expect(secretModes(dir)).toEqual({ '.': 0o700, netrc: 0o600, npmrc: 0o600, 'maven-conf/settings.xml': 0o600 })
    expect(readFileSync(join(dir, 'netrc'), 'utf8')).toBe(
      `machine git.example.com login me password mine\n\nmachine 127.0.0.1 login _token password ${TOKEN}\n`,
    )
    expect(readFileSync(join(dir, 'npmrc'), 'utf8')).toBe(`fund=false\nregistry=https://${host}/javascript/\n//${host}/:_auth=${AUTH}\n`)
    expect(readFileSync(join(dir, 'maven-conf/settings.xml'), 'utf8')).toContain('<localRepository>/opt/m2</localRepository>')
    expect(lstatSync(join(dir, 'maven-conf')).isDirectory()).toBe(true) // a copy, not the link to the installation's own
    expect(readFileSync(join(dir, 'maven-conf/logging/simplelogger.properties'), 'utf8')).toContain('defaultLogLevel=info')

    expect(printed()).toContain(`::add-mask::${AUTH}\n`)
    const lines = printed().split('\n')
    expect(lines.filter((l) => (l.includes(TOKEN) || l.includes(AUTH)) && !l.startsWith('::add-mask::'))).toEqual([])
    expect(lines).toEqual(
      expect.arrayContaining([
        `Chainguard Libraries for python: pip, uv use https://${host}/python/simple/ as _token`,
        `Chainguard Libraries for javascript: npm, pnpm use https://${host}/javascript/ as _token`,
        `Chainguard Libraries for java: maven use https://${host}/java/ as _token`,
        'The libraries token expires at 2030-03-17T17:46:40Z (about an hour): use this action again before a step that starts later',
      ]),
    )

    expect(statSync(join(job.conf, 'settings.xml')).mode & 0o777).toBe(0o644)
    expect(readFileSync(join(job.conf, 'settings.xml'), 'utf8')).not.toContain('chainguard')
    // The post step: what main recorded, undone; the user's own files and the installation untouched.
    process.env.STATE_undo = /^undo<<(.+)\n(.*)\n\1$/m.exec(readFileSync(job.state, 'utf8'))?.[2]
    const steps = stepsToUndo<LibrariesUndo>()
    expect(steps).toEqual([{ kind: 'libraries', path: dir, ecosystems: ['python', 'javascript', 'java'] }])
    expect(undoLibraries(steps[0])).toBe('Removed the Chainguard Libraries configuration for python, javascript, java')
    expect(leftIn(job.temp)).toEqual([])
    expect(undoLibraries(steps[0])).toBe('Removed the Chainguard Libraries configuration for python, javascript, java') // a second post
    expect(readFileSync(join(job.home, '.netrc'), 'utf8')).toBe('machine git.example.com login me password mine\n')
    expect(readFileSync(join(job.home, '.npmrc'), 'utf8')).toBe('fund=false\n')
    expect(statSync(join(job.conf, 'settings.xml')).mode & 0o777).toBe(0o644)
    expect(readFileSync(join(job.conf, 'settings.xml'), 'utf8')).not.toContain('chainguard')
  })
})

describe('setupLibraries fails before anything is configured', () => {
  const nothingLeft = () => ({ folders: leftIn(job.temp), env: readFileSync(job.env, 'utf8'), state: readFileSync(job.state, 'utf8') })
  const nothing = { folders: [], env: '', state: '' }

  it.each([
    [401, 'java', '/java/', 'Java'],
    [403, 'python', '/python/simple/', 'Python'],
    [403, 'javascript', '/javascript/', 'JavaScript'],
  ])(
    'when the index refuses the token (HTTP %i) for one ecosystem (%s), naming it and what to check',
    async (status, name, path, title) => {
      answers[path] = status
      await expect(setup(['python', 'javascript', 'java'])).rejects.toThrow(
        new Error(
          `Chainguard Libraries refused the token of ${IDENTITY} for ${name} (HTTP ${status} at https://${host}${path}): ` +
            `check that the organization is entitled to Chainguard Libraries for ${title} and that the identity has a role that can pull them`,
        ),
      )
      expect(nothingLeft()).toEqual(nothing)
    },
  )

  it('when the index keeps failing (HTTP 500), after retrying', async () => {
    answers['/python/simple/'] = 500
    jest.spyOn(Math, 'random').mockReturnValue(0) // no backoff: the retries are the point, not their wait
    await expect(setup(['python'])).rejects.toThrow(
      new Error(`Chainguard Libraries (python) answered HTTP 500 at https://${host}/python/simple/`),
    )
    expect(printed()).toContain('::warning::Chainguard Libraries (python) answered HTTP 500; retry 1/4 in 0.0s')
    expect(nothingLeft()).toEqual(nothing)
  })

  it('when the job’s temp folder has a space, which MAVEN_OPTS cannot carry: before any request', async () => {
    process.env.RUNNER_TEMP = join(job.temp, 'runner temp')
    await expect(setup(['python', 'java'])).rejects.toThrow(
      /^The runner's temp folder .*\/runner temp\/chainguard-libraries-\w+ has a space in it/,
    )
    expect(requests).toEqual([])
    expect(nothingLeft()).toEqual(nothing)
  })

  it('for a login with no identity (a pull token has no tokens for other audiences)', async () => {
    await expect(setup(['python'], { ...creds, tokenFor: undefined })).rejects.toThrow("Input 'libraries' needs 'identity'")
    expect(requests).toEqual([])
  })
})

it('sends the token to no other origin when the index redirects there (another name of the same server here)', async () => {
  answers['/python/simple/'] = 302
  await setup(['python'])
  expect(requests).toEqual([`HEAD /python/simple/ Basic ${AUTH}`, 'HEAD /elsewhere/ -'])
})

it('says when the token’s expiry is unknown (a token without exp)', async () => {
  const token = `${b64({ alg: 'RS256' })}.${b64({ aud: 'libraries.cgr.dev' })}.c2ln`
  expect(await setup(['python'], { ...creds, tokenFor: async () => token })).toEqual({ configured: { python: ['pip', 'uv'] } })
  expect(printed()).toContain('The libraries token expires at an unknown time (about an hour)')
})

it('gives Maven our -Dmaven.conf alone when the job has no MAVEN_OPTS', async () => {
  await setup(['java'])
  expect(fileCommands(job.env).MAVEN_OPTS).toMatch(/^-Dmaven\.conf=\S+\/chainguard-libraries-\w+\/maven-conf$/)
})

describe('the user’s own client settings are carried over from where each client reads them', () => {
  it('netrc: $NETRC before ~/.netrc; none at all gives ours alone', async () => {
    writeFileSync(join(job.home, '.netrc'), 'machine home.example.com login me password home\n')
    process.env.NETRC = join(job.home, 'ci-netrc')
    writeFileSync(process.env.NETRC, 'machine ci.example.com login me password ci\n')
    await setup(['python'])
    expect(readFileSync(fileCommands(job.env).NETRC, 'utf8')).toMatch(/^machine ci\.example\.com .*\n\nmachine 127\.0\.0\.1 /)
    process.env.NETRC = join(job.home, 'none')
    writeFileSync(job.env, '')
    await setup(['python'])
    expect(readFileSync(fileCommands(job.env).NETRC, 'utf8')).toBe(`machine 127.0.0.1 login _token password ${TOKEN}\n`)
  })

  it.each([
    ['NPM_CONFIG_USERCONFIG', { NPM_CONFIG_USERCONFIG: 'upper', npm_config_userconfig: 'lower' }, 'upper'],
    ['npm_config_userconfig', { npm_config_userconfig: 'lower' }, 'lower'],
    ['~/.npmrc', {}, 'home'],
  ])('npmrc: %s', async (_name, vars: Record<string, string>, expected) => {
    for (const name of ['upper', 'lower', 'home']) writeFileSync(join(job.home, name), `${name}=true\n`)
    writeFileSync(join(job.home, '.npmrc'), 'home=true\n')
    for (const [name, file] of Object.entries(vars)) process.env[name] = join(job.home, file)
    await setup(['javascript'])
    expect(readFileSync(fileCommands(job.env).NPM_CONFIG_USERCONFIG, 'utf8')).toMatch(new RegExp(`^${expected}=true\nregistry=`))
  })
})
