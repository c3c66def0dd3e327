// chainctl's install and logins alongside the registry login: overlapping it, and stopped, undone
// or logged out when the registry login or the install fails.
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { LATEST } from '../sandbox/downloads.ts'
import type { Served } from '../sandbox/http.ts'
import { IDENTITY, OTHER_IDENTITY } from '../sandbox/index.ts'
import { runStep, type Job } from '../sandbox/runner.ts'
import {
  cacheEntries,
  chainctlCalls,
  dockerConfig,
  failChainctlLogins,
  job,
  leaks,
  LOGINS,
  resetStandIns,
  tokenCache,
  useSandbox,
  visible,
} from './helpers.ts'

const sb = useSandbox()
beforeEach(() => resetStandIns(sb))

/** The requests the stand-ins served, by what they were for. */
const served = (what: (s: Served) => boolean) => sb.wire.served.filter(what)
const binary = (s: Served) => /\/chainctl_linux_x86_64$/.test(s.url)
const registryLogin = (s: Served) => s.host === 'cgr.dev'
const mode = (path: string) => (statSync(path).mode & 0o777).toString(8)

/** A docker whose login fails after `seconds`, the rest of it the real one's. */
function failingDockerLogin(j: Job, seconds: number): void {
  const bin = join(j.dir, 'slow-docker')
  mkdirSync(bin)
  const real = execFileSync('sh', ['-c', 'command -v docker'], { env: j.env }).toString().trim()
  const script = `#!/bin/sh\n[ "$1" = login ] || exec ${real} "$@"\ncat >/dev/null; sleep ${seconds}; echo "Error response from daemon: denied" >&2; exit 1\n`
  writeFileSync(join(bin, 'docker'), script)
  chmodSync(join(bin, 'docker'), 0o755)
  j.env.PATH = `${bin}:${j.env.PATH}`
}

describe('alongside the registry login', () => {
  it('downloads while the login runs, then logs chainctl in three times at once, a token file per audience', async () => {
    sb.wire.delayMs = 100 // a WAN: requests that overlap show it
    const j = job(sb)
    const main = await runStep(j, 'main', { identity: IDENTITY })
    expect(main.code).toBe(0)
    expect(chainctlCalls(j).sort()).toEqual([...LOGINS].sort())
    // The binary was on its way before the registry login was done.
    const [download] = served(binary)
    expect(download.start).toBeLessThan(Math.max(...served(registryLogin).map((s) => s.end)))
    // chainctl's three logins (its own OIDC request, then its own exchange) were all under way together.
    const logins = served((s) => s.url.startsWith('/_apis/token') && s.userAgent.startsWith('chainctl/')).map((oidc) => {
      const exchange = sb.wire.served.find((s) => s.url === '/sts/exchange' && s.presented === oidc.issued)
      return { start: oidc.start, end: exchange?.end ?? Infinity }
    })
    expect(logins).toHaveLength(3)
    expect(Math.max(...logins.map((l) => l.start))).toBeLessThan(Math.min(...logins.map((l) => l.end)))
    // What chainctl saves per login: its own audience's token, 0600, in folders of 0700.
    const cache = tokenCache(j)
    for (const [folder, aud] of [
      ['https:--console-api.enforce.dev', 'https://console-api.enforce.dev'],
      ['apk.cgr.dev', 'apk.cgr.dev'],
      ['libraries.cgr.dev', 'libraries.cgr.dev'],
    ]) {
      const file = join(cache, folder, 'oidc-token')
      expect([mode(join(cache, folder)), mode(file)]).toEqual(['700', '600'])
      const token = readFileSync(file, 'utf8')
      expect(JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString())).toMatchObject({ aud, sub: IDENTITY })
    }
    // The lines of the work done side by side come out in one order, the registry login's first.
    expect(visible(main).filter((l) => !l.startsWith('::debug::'))).toEqual([
      "Requesting the job's OIDC token for audience issuer.enforce.dev",
      `Exchanging it at https://issuer.enforce.dev for identity ${IDENTITY} (audience cgr.dev)`,
      expect.stringMatching(new RegExp(`^Logged in to cgr.dev as ${IDENTITY}; token expires at `)),
      `Downloading chainctl ${LATEST} from https://dl.enforce.dev/chainctl/${LATEST}/chainctl_linux_x86_64`,
      `chainctl ${LATEST} on PATH`,
      `chainctl logged in as ${IDENTITY} (API, apk.cgr.dev, libraries.cgr.dev)`,
    ])

    const post = await runStep(j, 'post')
    expect(visible(post)).toContain('Logged chainctl out')
    expect(existsSync(cache) ? readdirSync(cache) : []).toEqual([])
    expect(readdirSync(j.env.RUNNER_TEMP)).toEqual([]) // the downloaded binary post logged out with, too
    expect(leaks(sb, j, [main, post], { files: true })).toEqual([])
  })

  it.each([
    [
      'the STS refuses the identity',
      { identity: OTHER_IDENTITY },
      /^::error::Chainguard STS refused the token exchange: HTTP 403 PermissionDenied/,
    ],
    [
      'docker login fails',
      { identity: IDENTITY, 'container-cli': 'docker', registry: 'localhost:1' },
      /^::error::docker login localhost:1 failed: /,
    ],
  ])('cancels the download at once, caches nothing and fails with the login message when %s', async (_case, inputs, message) => {
    sb.wire.slow['dl.enforce.dev'] = 5000 // the binary would take 5 s to come
    const j = job(sb)
    const main = await runStep(j, 'main', { ...inputs, version: '0.2.50' })
    expect(main.code).toBe(1)
    expect(visible(main).at(-1)).toMatch(message)
    expect(visible(main).filter((l) => /^(Downloading )?chainctl /.test(l))).toEqual([]) // the log ends with the login's reason
    expect(main.ms).toBeLessThan(4000)
    const [download] = served(binary)
    expect(download).toMatchObject({ aborted: true })
    expect(download.end - download.start).toBeLessThan(4000)
    expect(cacheEntries(j)).toEqual([])
    expect(readFileSync(j.files.path, 'utf8')).toBe('') // no chainctl on PATH
    expect(readdirSync(j.env.RUNNER_TEMP).filter((f) => !f.startsWith('setup-chainctl-'))).toEqual([]) // no download staging left
    expect(chainctlCalls(j)).toEqual([])
    await runStep(j, 'post')
    expect(readdirSync(j.env.RUNNER_TEMP)).toEqual([])
  })

  it('with logout: false, a registry login that fails after chainctl logged in leaves no chainctl token behind', async () => {
    const j = job(sb)
    failingDockerLogin(j, 2) // fails only after chainctl's logins are done
    const main = await runStep(j, 'main', { identity: IDENTITY, 'container-cli': 'docker', logout: 'false' })
    expect(main.code).toBe(1)
    expect(visible(main).at(-1)).toMatch(/^::error::docker login cgr\.dev failed: .*denied/)
    expect(chainctlCalls(j).filter((c) => c.startsWith('auth login'))).toHaveLength(3) // chainctl did log in meanwhile
    await runStep(j, 'post')
    const cache = tokenCache(j)
    expect(existsSync(cache) ? readdirSync(cache, { recursive: true }).filter((f) => String(f).endsWith('oidc-token')) : []).toEqual([])
    expect(readdirSync(j.env.RUNNER_TEMP)).toEqual([])
  })

  it.each(['true', 'false'])(
    'fails with the reason of the API login that was refused, and post logs out the other two (logout: %s)',
    async (logout) => {
      const j = job(sb)
      failChainctlLogins(j, '403 https://console-api.enforce.dev')
      const main = await runStep(j, 'main', { identity: IDENTITY, 'container-cli': 'docker', logout })
      expect(main.code).toBe(1)
      expect(visible(main).at(-1)).toBe(
        '::error::chainctl auth login failed: Error: rpc error: code = PermissionDenied desc = permission denied',
      )
      expect(chainctlCalls(j).filter((c) => c.startsWith('auth login'))).toHaveLength(3)
      const cache = tokenCache(j)
      expect(readdirSync(cache, { recursive: true }).filter((f) => String(f).endsWith('oidc-token'))).toHaveLength(2)
      const post = await runStep(j, 'post')
      expect(visible(post)).toContain('Logged chainctl out')
      expect(existsSync(cache) ? readdirSync(cache) : []).toEqual([])
      expect(readdirSync(j.env.RUNNER_TEMP)).toEqual([])
    },
  )

  it('stops chainctl logins still running when the registry login fails', async () => {
    sb.sts.faults.push(undefined as never, { hang: true }, { hang: true }, { hang: true }) // chainctl's exchanges never answer
    const j = job(sb)
    failingDockerLogin(j, 1)
    const main = await runStep(j, 'main', { identity: IDENTITY, 'container-cli': 'docker' })
    expect(main.code).toBe(1)
    expect(visible(main).at(-1)).toMatch(/^::error::docker login cgr\.dev failed: .*denied/)
    expect(main.ms).toBeLessThan(5000)
    await runStep(j, 'post')
    expect(readdirSync(j.env.RUNNER_TEMP)).toEqual([])
  })

  it('has the post step log out when the install fails after the registry login succeeded', async () => {
    sb.wire.slow['dl.enforce.dev'] = 1500 // the install fails well after the login
    sb.downloads.tamper = true
    const j = job(sb)
    const main = await runStep(j, 'main', { identity: IDENTITY, version: '0.2.50' })
    expect(main.code).toBe(1)
    expect(visible(main).at(-1)).toMatch(/^::error::Checksum mismatch for chainctl_linux_x86_64 0\.2\.50: /)
    expect(served(binary)[0].start).toBeLessThan(Math.max(...served(registryLogin).map((s) => s.end))) // downloading meanwhile
    expect(Object.keys(dockerConfig(j).auths ?? {})).toEqual(['cgr.dev'])
    expect(cacheEntries(j)).toEqual([])
    const post = await runStep(j, 'post')
    expect(visible(post).sort()).toEqual(['Logged out of cgr.dev (docker)', 'Logged out of cgr.dev (podman)'])
    expect(dockerConfig(j).auths ?? {}).toEqual({})
    expect(readdirSync(j.env.RUNNER_TEMP)).toEqual([])
  })
})
