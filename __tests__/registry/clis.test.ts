// docker login/logout through a `docker` shim on PATH that records its argv and stdin.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cliLogin, eraseStored, LoginError, onPath, podmanAuthFile, storeFailure } from '../../src/registry/clis.js'

const SECRET = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl'
let dir: string
const savedPath = process.env.PATH
const docker = { cli: 'docker', dockerConfig: '/cfg' } as const

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'docker-shim-'))
  writeFileSync(
    join(dir, 'docker'),
    `#!/bin/sh
printf '%s\\n' "$@" >> "${dir}/argv"
printf '%s' "$DOCKER_CONFIG" > "${dir}/docker-config"
echo --- >> "${dir}/argv"
cat > "${dir}/stdin"
if [ -f "${dir}/fail" ]; then echo "WARNING! noise" >&2; cat "${dir}/fail" >&2; exit 1; fi
echo "Login Succeeded"
`,
  )
  chmodSync(join(dir, 'docker'), 0o755)
  writeFileSync(join(dir, 'podman'), readFileSync(join(dir, 'docker')))
  chmodSync(join(dir, 'podman'), 0o755)
  process.env.PATH = `${dir}:${savedPath}`
})
afterEach(() => {
  process.env.PATH = savedPath
  rmSync(dir, { recursive: true, force: true })
})

const argv = () => readFileSync(join(dir, 'argv'), 'utf8')

describe('container CLIs', () => {
  it('logs in with the secret on stdin only, never in argv', async () => {
    await cliLogin(docker, 'cgr.dev', '_token', SECRET)
    expect(argv()).toBe('login\ncgr.dev\n--username\n_token\n--password-stdin\n---\n')
    expect(readFileSync(join(dir, 'stdin'), 'utf8')).toBe(SECRET)
    expect(readFileSync(join(dir, 'docker-config'), 'utf8')).toBe('/cfg') // in the config folder it was given
  })

  it("fails with docker's own reason", async () => {
    writeFileSync(join(dir, 'fail'), 'Error response from daemon: Get "https://cgr.dev/v2/": unauthorized\n')
    await expect(cliLogin(docker, 'cgr.dev', '_token', SECRET)).rejects.toThrow(
      new LoginError('docker login cgr.dev failed: Error response from daemon: Get "https://cgr.dev/v2/": unauthorized'),
    )
  })

  it('gives podman its auth file explicitly, the secret on stdin', async () => {
    const podman = { cli: 'podman', authfile: '/x/auth.json' } as const
    await cliLogin(podman, 'cgr.dev', '_token', SECRET)
    expect(argv()).toBe('login\n--authfile\n/x/auth.json\ncgr.dev\n--username\n_token\n--password-stdin\n---\n')
    expect(readFileSync(join(dir, 'stdin'), 'utf8')).toBe(SECRET)
  })

  it("erases exactly the registry's login from a credential store, and says why it could not", async () => {
    writeFileSync(join(dir, 'docker-credential-teststore'), `#!/bin/sh\necho "$*" > "${dir}/argv"\ncat > "${dir}/stdin"\n`, { mode: 0o755 })
    await eraseStored('teststore', 'cgr.dev')
    expect([argv(), readFileSync(join(dir, 'stdin'), 'utf8')]).toEqual(['erase\n', 'cgr.dev'])
    writeFileSync(join(dir, 'docker-credential-teststore'), '#!/bin/sh\necho "store locked" >&2\nexit 1\n')
    await expect(eraseStored('teststore', 'cgr.dev')).rejects.toThrow(
      new LoginError('docker-credential-teststore erase cgr.dev failed: store locked'),
    )
  })

  it('says in one line what to do when there is no docker CLI, never spawn ENOENT', async () => {
    process.env.PATH = dir
    rmSync(join(dir, 'docker'))
    await expect(cliLogin(docker, 'cgr.dev', '_token', SECRET)).rejects.toThrow(
      new LoginError('docker is not on PATH: install it or set container-cli (auto, none, docker, podman)'),
    )
    expect(existsSync(join(dir, 'stdin'))).toBe(false)
  })

  it('suggests docker-config: isolated when the credential store fails, as it does outside an interactive session', () => {
    const keychain = new LoginError(
      'docker login cgr.dev failed: Error saving credentials: error storing credentials - err: exit status 1, out: `User interaction is not allowed.`',
    )
    expect((storeFailure(keychain, 'osxkeychain') as Error).message).toBe(
      `${keychain.message}. docker keeps logins in credsStore "osxkeychain", which can need an interactive session: set docker-config: isolated to keep this job's login in a config of its own`,
    )
    for (const failed of ['error getting credentials - err: exit status 1', 'Error saving credentials: keychain locked']) {
      const err = new LoginError(`docker login cgr.dev failed: ${failed}`)
      expect((storeFailure(err, 'wincred') as Error).message).toContain('set docker-config: isolated')
    }
    expect(storeFailure(new Error('error storing credentials'), 'pass')).toEqual(new Error('error storing credentials')) // not a login's
    const denied = new LoginError('docker login cgr.dev failed: Error response from daemon: unauthorized')
    expect(storeFailure(denied, 'wincred')).toBe(denied) // the store is not why
  })
})

describe('podman auth file', () => {
  it('follows podman: REGISTRY_AUTH_FILE, DOCKER_CONFIG, XDG_RUNTIME_DIR, root, home', () => {
    expect(podmanAuthFile({ REGISTRY_AUTH_FILE: '/a.json', DOCKER_CONFIG: '/d' }, 'linux', 1000)).toBe('/a.json')
    expect(podmanAuthFile({ DOCKER_CONFIG: '/d', XDG_RUNTIME_DIR: '/run/user/1000' }, 'linux', 1000)).toBe('/d/config.json')
    expect(podmanAuthFile({ XDG_RUNTIME_DIR: '/run/user/1000' }, 'linux', 1000)).toBe('/run/user/1000/containers/auth.json')
    expect(podmanAuthFile({}, 'linux', 0)).toBe('/run/containers/0/auth.json')
    expect(podmanAuthFile({ HOME: '/Users/me' }, 'darwin', 501)).toBe('/Users/me/.config/containers/auth.json')
    // XDG_RUNTIME_DIR and root's run folder are podman's on Linux only
    expect(podmanAuthFile({ HOME: '/Users/me', XDG_RUNTIME_DIR: '/tmp/xdg' }, 'darwin', 501)).toBe('/Users/me/.config/containers/auth.json')
    expect(podmanAuthFile({ HOME: '/var/root' }, 'darwin', 0)).toBe('/var/root/.config/containers/auth.json')
    // Windows has no HOME on hosted runners, and an MSYS one names a folder podman never reads: %USERPROFILE%, never relative.
    const windows = { HOME: '/c/Users/me', USERPROFILE: 'C:\\Users\\me' }
    expect(podmanAuthFile(windows, 'win32', -1)).toBe('C:\\Users\\me\\.config\\containers\\auth.json')
    expect(podmanAuthFile({}, 'linux', 1000)).toMatch(/^\/.*\/\.config\/containers\/auth\.json$/) // the passwd entry's home
  })
})

describe('PATH lookup', () => {
  it('on Windows counts only what spawn starts without a shell: name.com and name.exe, whatever PATHEXT says', () => {
    const bin = mkdtempSync(join(tmpdir(), 'winpath-'))
    const env = { PATH: `C:\\nowhere;${bin}`, PATHEXT: '.COM;.EXE;.BAT;.CMD' }
    writeFileSync(join(bin, 'docker.cmd'), '@echo off\r\n')
    writeFileSync(join(bin, 'podman.bat'), '@echo off\r\n')
    expect([onPath('docker', env, 'win32'), onPath('podman', env, 'win32')]).toEqual([false, false])
    writeFileSync(join(bin, 'docker.exe'), '')
    writeFileSync(join(bin, 'podman.com'), '')
    expect([onPath('docker', env, 'win32'), onPath('podman', env, 'win32')]).toEqual([true, true])
    rmSync(bin, { recursive: true, force: true })
  })

  it('elsewhere takes the name as it is, from each PATH folder', () => {
    expect(onPath('docker', { PATH: `/nowhere:${dir}` }, 'linux')).toBe(true)
    expect(onPath('docker', { PATH: '/nowhere' }, 'linux')).toBe(false)
    expect(onPath('docker', { PATH: dir }, 'linux')).toBe(true)
    expect(onPath('docker', {}, 'linux')).toBe(false) // no PATH at all
    const folders = mkdtempSync(join(tmpdir(), 'path-'))
    mkdirSync(join(folders, 'podman')) // a folder of that name is no program
    expect(onPath('podman', { PATH: folders }, 'linux')).toBe(false)
    rmSync(folders, { recursive: true })
  })
})
