import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freshToken, installHelper, loadSettings, needsRefresh, registryHost } from '../../src/registry/credhelper.js'

describe('credential helper logic', () => {
  it('refreshes with five minutes left, or half the lifetime of a short-lived token', () => {
    const hour = { token: 't', iat: 0, exp: 3600 }
    expect(needsRefresh(hour, 3000)).toBe(false)
    expect(needsRefresh(hour, 3300)).toBe(false) // five minutes left exactly
    expect(needsRefresh(hour, 3301)).toBe(true)
    const minute = { token: 't', iat: 0, exp: 60 }
    expect(needsRefresh(minute, 29)).toBe(false)
    expect(needsRefresh(minute, 31)).toBe(true)
    expect(needsRefresh(undefined, 0)).toBe(true)
  })

  it('measures a short lifetime from the issue time, not from the epoch', () => {
    const iat = 1_800_000_000
    const tenMinutes = { token: 't', iat, exp: iat + 600 } // refreshed at 300 s left, not at once
    expect(needsRefresh(tenMinutes, iat + 299)).toBe(false)
    const twoMinutes = { token: 't', iat, exp: iat + 120 }
    expect(needsRefresh(twoMinutes, iat + 59)).toBe(false)
    expect(needsRefresh(twoMinutes, iat + 61)).toBe(true)
  })

  it('reads the registry host from what docker passes', () => {
    expect(registryHost('cgr.dev')).toBe('cgr.dev')
    expect(registryHost('https://cgr.dev')).toBe('cgr.dev')
    expect(registryHost('https://CGR.dev/v2/\n')).toBe('cgr.dev')
    expect(registryHost('HTTPS://cgr.dev')).toBe('cgr.dev')
    expect(registryHost('localhost:5000')).toBe('localhost:5000')
    expect(registryHost('https://index.docker.io/v1/')).toBe('index.docker.io')
    // as a person types it to the helper (echo cgr.dev | docker-credential-setup-chainctl get)
    expect(registryHost('cgr.dev\n')).toBe('cgr.dev')
    expect(registryHost(' https://cgr.dev')).toBe('cgr.dev')
  })
})

describe('helper executable', () => {
  const settings = (dir: string) => ({
    issuer: 'https://issuer.enforce.dev',
    identity: 'ab/cd',
    registry: 'cgr.dev',
    audience: 'issuer.enforce.dev',
    cacheFile: join(dir, 'token.json'),
  })
  const first = { token: 'tok', iat: 1, exp: 2 }

  it('is a shell script running the helper bundle with this Node, and keeps its files 0600', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'helper-')), "it's here")
    installHelper(dir, '/action/dist/helper/index.js', settings(dir), first, 'linux')
    const script = join(dir, 'docker-credential-setup-chainctl')
    expect(readFileSync(script, 'utf8')).toBe(
      `#!/bin/sh\nexec '${process.execPath}' '/action/dist/helper/index.js' '${dir.replace("'", "'\\''")}/settings.json' "$@"\n`,
    )
    expect(statSync(script).mode & 0o777).toBe(0o755)
    expect(statSync(join(dir, 'token.json')).mode & 0o777).toBe(0o600)
    expect(statSync(join(dir, 'settings.json')).mode & 0o777).toBe(0o600)
    expect(JSON.parse(readFileSync(join(dir, 'token.json'), 'utf8'))).toEqual(first)
  })

  it('is a .cmd on Windows', () => {
    const dir = mkdtempSync(join(tmpdir(), 'helper-'))
    installHelper(dir, 'C:\\a\\helper\\index.js', settings(dir), first, 'win32')
    expect(readFileSync(join(dir, 'docker-credential-setup-chainctl.cmd'), 'utf8')).toBe(
      `@"${process.execPath}" "C:\\a\\helper\\index.js" "${join(dir, 'settings.json')}" %*\r\n`,
    )
  })

  it('writes a % in a path as %% in the .cmd: cmd expands %NAME% even inside quotes', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'helper-')), '100%USERNAME%')
    installHelper(dir, 'C:\\50%\\index.js', settings(dir), first, 'win32')
    expect(readFileSync(join(dir, 'docker-credential-setup-chainctl.cmd'), 'utf8')).toBe(
      `@"${process.execPath}" "C:\\50%%\\index.js" "${join(dir, 'settings.json').replace(/%/g, '%%')}" %*\r\n`,
    )
  })
})

describe('helper get', () => {
  const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`
  const settings = (cacheFile: string) => ({ issuer: 'https://i', identity: 'ab', registry: 'cgr.dev', audience: 'a', cacheFile })

  it('answers with the token it got when its cache cannot be written, saying so', async () => {
    const blocker = join(mkdtempSync(join(tmpdir(), 'helper-')), 'a-file')
    writeFileSync(blocker, '') // the cache's folder is a file: every write fails
    const token = jwt({ exp: Math.floor(Date.now() / 1000) + 3600 })
    const warned: string[] = []
    await expect(
      freshToken(
        settings(join(blocker, 'token.json')),
        (m) => warned.push(m),
        async () => token,
      ),
    ).resolves.toBe(token)
    expect(warned).toEqual([expect.stringMatching(/^could not cache the token \(.*\); the next call exchanges a new one$/)])
  })

  it('serves the cached token while it has time left, and caches a fresh one', async () => {
    const cacheFile = join(mkdtempSync(join(tmpdir(), 'helper-')), 'token.json')
    const token = jwt({ exp: Math.floor(Date.now() / 1000) + 3600 })
    await expect(
      freshToken(
        settings(cacheFile),
        () => undefined,
        async () => token,
      ),
    ).resolves.toBe(token)
    const never = () => Promise.reject(new Error('exchanged again'))
    await expect(freshToken(settings(cacheFile), () => undefined, never)).resolves.toBe(token)
  })

  it('keeps a token that names no expiry for five minutes', async () => {
    const cacheFile = join(mkdtempSync(join(tmpdir(), 'helper-')), 'token.json')
    const token = jwt({ sub: 'x' })
    await expect(
      freshToken(
        settings(cacheFile),
        () => undefined,
        async () => token,
      ),
    ).resolves.toBe(token)
    const now = Math.floor(Date.now() / 1000)
    expect(JSON.parse(readFileSync(cacheFile, 'utf8')).exp).toBeGreaterThanOrEqual(now + 299)
    await expect(
      freshToken(
        settings(cacheFile),
        () => undefined,
        () => Promise.reject(new Error('exchanged again')),
      ),
    ).resolves.toBe(token)
  })

  it.each([
    ['not JSON', '{"token": '],
    ['no token', JSON.stringify({ iat: 1, exp: 9999999999 })],
    ['no issue time', JSON.stringify({ token: 'old', exp: 9999999999 })],
    ['no expiry', JSON.stringify({ token: 'old', iat: 1 })],
  ])('exchanges a fresh token when the cache has %s', async (_what, text) => {
    const cacheFile = join(mkdtempSync(join(tmpdir(), 'helper-')), 'token.json')
    writeFileSync(cacheFile, text)
    const token = jwt({ exp: Math.floor(Date.now() / 1000) + 3600 })
    await expect(
      freshToken(
        settings(cacheFile),
        () => undefined,
        async () => token,
      ),
    ).resolves.toBe(token)
  })

  it('reads back the settings installHelper wrote', () => {
    const dir = mkdtempSync(join(tmpdir(), 'helper-'))
    const written = { issuer: 'https://i', identity: 'ab', registry: 'cgr.dev', audience: 'a', cacheFile: join(dir, 'token.json') }
    installHelper(dir, '/action/dist/helper/index.js', written, { token: 'tok', iat: 1, exp: 2 }, 'linux')
    expect(loadSettings(join(dir, 'settings.json'))).toEqual(written)
  })

  it("says the job's post step has run when its settings are gone", () => {
    const file = join(mkdtempSync(join(tmpdir(), 'helper-')), 'settings.json')
    expect(() => loadSettings(file)).toThrow(`settings ${file} are gone (the job's post step has run)`)
  })
})
