// docker login/logout through a `docker` shim on PATH that records its argv and stdin.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { dockerLogin, dockerLogout, DockerError } from '../src/docker.js'

const SECRET = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl'
let dir: string
const savedPath = process.env.PATH

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'docker-shim-'))
  writeFileSync(
    join(dir, 'docker'),
    `#!/bin/sh
printf '%s\\n' "$@" >> "${dir}/argv"
echo --- >> "${dir}/argv"
cat > "${dir}/stdin"
if [ -f "${dir}/fail" ]; then echo "WARNING! noise" >&2; cat "${dir}/fail" >&2; exit 1; fi
echo "Login Succeeded"
`,
  )
  chmodSync(join(dir, 'docker'), 0o755)
  process.env.PATH = `${dir}:${savedPath}`
})
afterEach(() => {
  process.env.PATH = savedPath
  rmSync(dir, { recursive: true, force: true })
})

const argv = () => readFileSync(join(dir, 'argv'), 'utf8')

describe('docker', () => {
  it('logs in with the secret on stdin only, never in argv', async () => {
    await dockerLogin('cgr.dev', '_token', SECRET)
    expect(argv()).toBe('login\ncgr.dev\n--username\n_token\n--password-stdin\n---\n')
    expect(readFileSync(join(dir, 'stdin'), 'utf8')).toBe(SECRET)
  })

  it("fails with docker's own reason", async () => {
    writeFileSync(join(dir, 'fail'), 'Error response from daemon: Get "https://cgr.dev/v2/": unauthorized\n')
    await expect(dockerLogin('cgr.dev', '_token', SECRET)).rejects.toThrow(
      new DockerError('docker login cgr.dev failed: Error response from daemon: Get "https://cgr.dev/v2/": unauthorized'),
    )
  })

  it('logs out of the registry', async () => {
    await dockerLogout('cgr.dev')
    expect(argv()).toBe('logout\ncgr.dev\n---\n')
  })

  it('says when there is no docker CLI', async () => {
    process.env.PATH = dir
    rmSync(join(dir, 'docker'))
    await expect(dockerLogin('cgr.dev', '_token', SECRET)).rejects.toThrow(/^docker could not be run: /)
    expect(existsSync(join(dir, 'stdin'))).toBe(false)
  })
})
