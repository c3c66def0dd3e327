// setupChainctl alongside a registry login, against a local download site serving a stand-in
// chainctl that records each run and refuses the logins a test names; then the post step's logout.
import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Credentials } from '../../src/token/credentials.js'
import { HeldLog } from '../../src/util/heldlog.js'
import { logoutChainctl, type ChainctlUndo } from '../../src/chainctl/logout.js'
import { setupChainctl, type Alongside } from '../../src/chainctl/setup.js'
import { parseInputs } from '../../src/inputs.js'
import { tempDirs } from '../../test/tempdirs.ts'

const IDENTITY = '4cf15780a13a9b6576d8b357e6524554c8c12a18/a4ccb5bb6d0b8a38'
const dir = tempDirs('chainctl-setup-')
// Each run: "<its token cache>|<CHAINCTL_CONFIG>|<arguments>"; a run whose arguments hold $REFUSE fails as chainctl
// does, and with $BUSY the first run fails as with a busy STS (mkdir: the logins run at once, only one may win).
const CHAINCTL = Buffer.from(
  '#!/bin/sh\necho "$XDG_CACHE_HOME|$CHAINCTL_CONFIG|$*" >> "$RUNS"\n' +
    '[ -n "$BUSY" ] && mkdir "$BUSY" 2>/dev/null && { echo "Error: rpc error: code = Unavailable desc = connection error" >&2; exit 1; }\n' +
    'case "$*" in *"${REFUSE:-none}"*) echo "Error: rpc error: code = PermissionDenied desc = permission denied" >&2; exit 1;; esac\n',
)
let server: Server
let busy = 0 // requests the download site answers 503
const saved = { ...process.env }
beforeAll(async () => {
  const files: Record<string, Buffer> = {
    '/chainctl/0.2.50/chainctl_checksums.txt': Buffer.from(
      `${createHash('sha256').update(CHAINCTL).digest('hex')}  chainctl_linux_x86_64\n`,
    ),
    '/chainctl/0.2.50/chainctl_linux_x86_64': CHAINCTL,
  }
  server = createServer((req, res) => {
    if (busy > 0 && busy--) return void res.writeHead(503).end()
    res.writeHead(files[req.url ?? ''] ? 200 : 404).end(files[req.url ?? ''])
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
})
afterAll(() => new Promise((resolve) => server.close(resolve)))

let runner: string
beforeEach(() => {
  runner = dir()
  for (const f of ['runs', 'state', 'path', 'env']) writeFileSync(join(runner, f), '')
  Object.assign(process.env, {
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_TEMP: dir(),
    RUNNER_TOOL_CACHE: dir(),
    RUNS: join(runner, 'runs'),
    GITHUB_STATE: join(runner, 'state'),
    GITHUB_PATH: join(runner, 'path'),
    GITHUB_ENV: join(runner, 'env'),
  })
})
afterEach(() => (process.env = { ...saved }))

const inputs = (more: Record<string, string> = {}) => {
  const given: Record<string, string> = {
    identity: IDENTITY,
    version: '0.2.50',
    'download-url': `http://127.0.0.1:${(server.address() as AddressInfo).port}/chainctl`,
    ...more,
  }
  return parseInputs((name) => given[name] ?? '').chainctl
}
const OIDC: Credentials = { identity: IDENTITY, username: '_token', secret: 'jwt', tokenFor: () => Promise.resolve('t') }
const PULL_TOKEN: Credentials = { identity: 'pull-token-id', username: 'pull-token-id', secret: 'pw' }

/** The Alongside of a step whose identity is `creds` and whose registry login ends as `login`, with what it logged and timed. */
function alongside(creds: Credentials, login: Promise<unknown> = Promise.resolve(), logout = true) {
  const lines: string[] = []
  const phases: string[] = []
  const log = Object.assign(new HeldLog(), {
    info: (l: string) => lines.push(`info: ${l}`),
    warning: (l: string) => lines.push(`warning: ${l}`),
  })
  const a: Alongside = {
    creds: Promise.resolve(creds),
    login,
    logout,
    signal: new AbortController().signal,
    log,
    timed: (phase, work) => (phases.push(phase), work()),
  }
  return { a, lines, phases }
}
const runs = () => readFileSync(join(runner, 'runs'), 'utf8').split('\n').filter(Boolean).sort()
const onPath = () => readFileSync(join(runner, 'path'), 'utf8').split('\n').filter(Boolean)
/** What the post step will undo: the last state the main step saved. */
function undo(): Array<{ kind: string; path?: string; chainctl?: string; env?: Record<string, string> }> {
  const saves = readFileSync(join(runner, 'state'), 'utf8').split(/^undo<<.*$/m)
  return JSON.parse(saves[saves.length - 1].replace(/\n[^\n]*\n?$/, '')) as ReturnType<typeof undo>
}
/** This test's steps for the post step (earlier tests' steps stay in the module's record). */
const ours = () => undo().filter((s) => (s.path ?? s.chainctl ?? '').startsWith(process.env.RUNNER_TEMP ?? '-'))

describe('chainctl set up alongside the registry login', () => {
  it('logs in as the identity to the API, apk and libraries hosts, goes on PATH, and the post step logs out the same copy', async () => {
    const config = join(dir(), 'chainctl.yaml')
    const { a, lines, phases } = alongside(OIDC)
    const installed = await setupChainctl(inputs({ 'config-path': config }), a)
    const cache = installed.env.XDG_CACHE_HOME
    expect(runs()).toEqual([
      `${cache}|${config}|auth login --identity ${IDENTITY} --audience apk.cgr.dev -v=0`,
      `${cache}|${config}|auth login --identity ${IDENTITY} --audience libraries.cgr.dev -v=0`,
      `${cache}|${config}|auth login --identity ${IDENTITY} -v=0`,
    ])
    expect(lines).toEqual([
      'info: Downloading chainctl 0.2.50 from ' + inputs().downloadUrl + '/0.2.50/chainctl_linux_x86_64',
      'info: chainctl 0.2.50 on PATH',
      `info: chainctl logged in as ${IDENTITY} (API, apk.cgr.dev, libraries.cgr.dev)`,
    ])
    expect(phases).toEqual(['chainctl download', 'chainctl login'])
    expect(readFileSync(join(runner, 'env'), 'utf8')).toContain(`CHAINCTL_CONFIG<<`)
    expect(readFileSync(join(runner, 'env'), 'utf8')).toContain(`\n${config}\n`)
    const staging = join(installed.path, '..')
    expect(onPath()).toEqual([join(staging, 'path')])
    const steps = ours()
    expect(steps).toEqual([
      { kind: 'remove', path: staging },
      { kind: 'chainctl-logout', chainctl: installed.path, env: installed.env },
    ])

    // The post step: the very copy, with its own token cache.
    expect(await logoutChainctl(steps[1] as ChainctlUndo)).toBe('Logged chainctl out')
    expect(runs()).toContain(`${cache}|${config}|auth logout`)
  })

  it('goes on when only the libraries login is refused, saying what will fail later', async () => {
    process.env.REFUSE = '--audience libraries.cgr.dev'
    const { a, lines } = alongside(OIDC)
    await setupChainctl(inputs(), a)
    expect(lines.slice(1)).toEqual([
      'warning: chainctl auth login --audience libraries.cgr.dev failed: Error: rpc error: code = PermissionDenied desc = permission denied. ' +
        'chainctl is logged in to the registry and the API, but not libraries.cgr.dev: later pip, npm or Maven installs from https://libraries.cgr.dev, ' +
        'and chainctl auth token --audience libraries.cgr.dev will fail; the step goes on',
      'info: chainctl 0.2.50 on PATH',
      `info: chainctl logged in as ${IDENTITY} (API, apk.cgr.dev)`,
    ])
  })

  it('goes on when only the apk login is refused, unless env-auth needs it', async () => {
    process.env.REFUSE = '--audience apk.cgr.dev'
    const { a, lines } = alongside(OIDC)
    await setupChainctl(inputs(), a)
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^warning: .*but not apk\.cgr\.dev: later apk with https:\/\/apk\.cgr\.dev repositories, and chainctl auth token --audience apk\.cgr\.dev will fail; the step goes on$/,
      ),
    )
    expect(lines).toContain(`info: chainctl logged in as ${IDENTITY} (API, libraries.cgr.dev)`)
  })

  it('fails when env-auth needs the apk login and it is refused; the post step logs out even with `logout: false`', async () => {
    process.env.REFUSE = '--audience apk.cgr.dev'
    const { a } = alongside(OIDC, Promise.resolve(), false)
    await expect(setupChainctl(inputs({ 'env-auth': 'true' }), a)).rejects.toThrow(
      'chainctl auth login --audience apk.cgr.dev failed: Error: rpc error: code = PermissionDenied desc = permission denied',
    )
    expect(ours().map((s) => s.kind)).toEqual(['remove', 'chainctl-logout'])
  })

  it('fails when the API login is refused, and the post step still logs out what did log in', async () => {
    process.env.REFUSE = `${IDENTITY} -v=0`
    const { a } = alongside(OIDC, Promise.resolve(), false)
    await expect(setupChainctl(inputs(), a)).rejects.toThrow('chainctl auth login failed: Error: rpc error: code = PermissionDenied')
    const steps = ours()
    expect(steps.map((s) => s.kind)).toEqual(['remove', 'chainctl-logout'])
  })

  it('fails only once its own work is done: nothing it started reaches PATH or the cache after', async () => {
    process.env.REFUSE = `${IDENTITY} -v=0`
    const { a } = alongside(OIDC, new Promise((resolve) => setTimeout(resolve, 300)))
    await expect(setupChainctl(inputs(), a)).rejects.toThrow('chainctl auth login failed')
    const atFailure = [onPath(), readdirSync(process.env.RUNNER_TOOL_CACHE ?? '')]
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect([onPath(), readdirSync(process.env.RUNNER_TOOL_CACHE ?? '')]).toEqual(atFailure)
  })

  it("retries a download and a login the STS was too busy for, in the step's log", async () => {
    process.env.BUSY = join(runner, 'busy')
    busy = 1
    const { a, lines } = alongside(OIDC)
    await setupChainctl(inputs(), a)
    expect(lines.filter((l) => l.startsWith('warning: '))).toEqual([
      expect.stringMatching(/^warning: chainctl download .*503.*; retry 1\/\d+ in /),
      expect.stringMatching(
        /^warning: chainctl auth login.* failed \(unavailable\): Error: rpc error: code = Unavailable desc = connection error; retry 1\/4 in /,
      ),
    ])
    expect(runs()).toHaveLength(4)
  })

  it("stops chainctl's logins once the registry login failed", async () => {
    const cancel = new AbortController()
    const { a } = alongside(OIDC)
    // The registry login fails just as chainctl's logins start.
    const step = {
      ...a,
      signal: cancel.signal,
      timed: <T>(phase: string, work: () => Promise<T>) => (phase === 'chainctl login' && cancel.abort(), work()),
    }
    await expect(setupChainctl(inputs(), step)).rejects.toThrow(/ was cancelled$/)
    expect(runs()).toEqual([])
  })

  it('with `logout: false`, leaves chainctl logged in after a run that succeeds', async () => {
    const { a } = alongside(OIDC, Promise.resolve(), false)
    await setupChainctl(inputs(), a)
    expect(ours().map((s) => s.kind)).toEqual(['remove'])
    expect(readFileSync(join(runner, 'env'), 'utf8')).not.toContain('CHAINCTL_CONFIG') // no config-path given
  })

  it('installs but does not log in a pull-token login, which has no identity for chainctl', async () => {
    const { a, lines, phases } = alongside(PULL_TOKEN)
    const installed = await setupChainctl(inputs(), a)
    expect(runs()).toEqual([])
    expect(lines.slice(1)).toEqual(['info: chainctl 0.2.50 on PATH'])
    expect(phases).toEqual(['chainctl download'])
    expect(onPath()).toHaveLength(1)
    expect(existsSync(installed.path)).toBe(true)
    expect(ours().map((s) => s.kind)).toEqual(['remove'])
  })

  it('caches nothing and puts nothing on PATH when the registry login fails', async () => {
    const refused = Promise.reject(new Error('docker login failed'))
    const { a } = alongside(PULL_TOKEN, refused, false)
    await expect(setupChainctl(inputs(), a)).rejects.toThrow('docker login failed')
    expect([onPath(), readdirSync(process.env.RUNNER_TOOL_CACHE ?? '')]).toEqual([[], []])
    // Nothing logged in with it, even with `logout: false`: the job's copy goes at once.
    const [staging, ...more] = ours()
    expect([existsSync(staging.path ?? ''), more]).toEqual([false, []])

    // No credentials (the token exchange failed, and so the registry login): no login either.
    const failed = Promise.reject(new Error('exchange failed'))
    failed.catch(() => undefined) // rejected before setupChainctl awaits it
    const noCreds = alongside(OIDC, failed)
    await expect(setupChainctl(inputs(), { ...noCreds.a, creds: failed })).rejects.toThrow('exchange failed')
    expect(ours().map((s) => [s.kind, existsSync(s.path ?? '')])).toEqual([
      ['remove', false],
      ['remove', false],
    ])

    // Logged in: the copy stays for the post step's logout.
    const withIdentity = alongside(OIDC, Promise.reject(new Error('docker login failed')))
    await expect(setupChainctl(inputs(), withIdentity.a)).rejects.toThrow('docker login failed')
    expect(onPath()).toEqual([])
    const kept = ours().find((s) => s.kind === 'chainctl-logout')
    expect(existsSync(kept?.chainctl ?? '')).toBe(true)
  })
})
