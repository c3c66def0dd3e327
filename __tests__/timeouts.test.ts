// Every CLI the action runs has a time limit: fakes of docker, podman and chainctl on PATH that
// hang (a shell whose child keeps the output pipes open) are stopped, their children with them.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ChainctlError, login } from '../src/chainctl/setup.js'
import { ExecError, lastLine, run } from '../src/util/exec.js'
import { LOGIN_POLICY } from '../src/net/retry.js'
import { parseInputs } from '../src/inputs.js'
import { cliLogin } from '../src/registry/clis.js'

const IDENTITY = '4cf15780a13a9b6576d8b357e6524554c8c12a18/a4ccb5bb6d0b8a38'
const SECRET = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl'
const savedPath = process.env.PATH
let dir: string

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hanging-cli-'))
  for (const cli of ['docker', 'podman', 'chainctl']) {
    writeFileSync(join(dir, cli), `#!/bin/sh\nsleep 30 &\necho $! > "${dir}/${cli}.child"\nwait\n`)
    chmodSync(join(dir, cli), 0o755)
  }
  process.env.PATH = `${dir}:${savedPath}`
})
afterEach(() => {
  process.env.PATH = savedPath
  rmSync(dir, { recursive: true, force: true })
})

/** Whether a process runs (a zombie nobody reaped yet counts as gone). */
function running(pid: number): boolean {
  const stat = `/proc/${pid}/stat`
  return existsSync(stat) && !/\) Z /.test(readFileSync(stat, 'utf8'))
}

async function expectStopped(
  work: Promise<unknown>,
  cli: string,
  message: string,
  kind: new (...args: never[]) => Error = ExecError,
): Promise<void> {
  const started = Date.now()
  const err = await work.then(
    () => new Error('expected a timeout'),
    (e: unknown) => e as Error,
  )
  expect(err).toBeInstanceOf(kind)
  expect(err.message).toBe(message)
  expect(Date.now() - started).toBeLessThan(1500)
  const child = Number(readFileSync(join(dir, `${cli}.child`), 'utf8'))
  for (let i = 0; i < 50 && running(child); i++) await new Promise((r) => setTimeout(r, 20))
  expect(running(child)).toBe(false) // the wrapper's own child was killed with it
}

describe('a CLI that hangs is stopped at its time limit', () => {
  it('docker login', async () => {
    await expectStopped(
      cliLogin({ cli: 'docker', dockerConfig: '' }, 'cgr.dev', '_token', SECRET, 300),
      'docker',
      'docker login cgr.dev --username _token --password-stdin did not finish within 0.3s and was stopped',
    )
  })

  it('says its time limit in tenths of a second, however the limit was computed (what a deadline left)', async () => {
    await expectStopped(
      cliLogin({ cli: 'docker', dockerConfig: '' }, 'cgr.dev', '_token', SECRET, 299),
      'docker',
      'docker login cgr.dev --username _token --password-stdin did not finish within 0.3s and was stopped',
    )
  })

  it('podman login', async () => {
    await expectStopped(
      cliLogin({ cli: 'podman', authfile: '/x/auth.json' }, 'cgr.dev', '_token', SECRET, 300),
      'podman',
      'podman login --authfile /x/auth.json cgr.dev --username _token --password-stdin did not finish within 0.3s and was stopped',
    )
  })

  it("chainctl auth login, retried as a timeout until the logins' deadline", async () => {
    const chainctl = { version: '0.2.50', path: join(dir, 'chainctl'), fromCache: false, env: {} }
    const inputs = parseInputs((name) => (name === 'identity' ? IDENTITY : '')).chainctl
    const retries: string[] = []
    await expectStopped(
      login(chainctl, inputs, IDENTITY, 'apk.cgr.dev', {
        timeoutMs: 300,
        policy: { ...LOGIN_POLICY, deadlineMs: 300 },
        onRetry: (l) => retries.push(l),
      }),
      'chainctl',
      `chainctl auth login --audience apk.cgr.dev failed after 1 attempt(s): chainctl auth login --identity ${IDENTITY} --audience apk.cgr.dev -v=0 did not finish within 0.3s and was stopped`,
      ChainctlError,
    )
    expect(retries).toEqual([])
  })
})

it('stops a chainctl login, and its children, once its signal is aborted', async () => {
  const chainctl = { version: '0.2.50', path: join(dir, 'chainctl'), fromCache: false, env: {} }
  const inputs = parseInputs((name) => (name === 'identity' ? IDENTITY : '')).chainctl
  const cancel = new AbortController()
  setTimeout(() => cancel.abort(), 300)
  await expectStopped(
    login(chainctl, inputs, IDENTITY, 'apk.cgr.dev', { signal: cancel.signal }),
    'chainctl',
    `chainctl auth login --identity ${IDENTITY} --audience apk.cgr.dev -v=0 was cancelled`,
  )
  await expect(login(chainctl, inputs, IDENTITY, undefined, { signal: cancel.signal })).rejects.toThrow(/was cancelled$/) // not started once aborted
})

it("keeps only the tail of a CLI's output, where its reason is", async () => {
  const { code, output } = await run('sh', ['-c', 'head -c 1000000 /dev/zero | tr "\\0" x; echo; echo the reason; exit 3'])
  expect(code).toBe(3)
  expect(output.length).toBeLessThanOrEqual(64 * 1024)
  expect(lastLine(output)).toBe('the reason')
})

it('takes a CLI that has exited as done, though a daemon it started keeps its output open', async () => {
  const started = Date.now()
  const pidFile = join(dir, 'daemon.pid')
  try {
    const { code, output } = await run('sh', ['-c', `setsid sleep 30 & echo $! > ${pidFile}; echo Login Succeeded`], { timeoutMs: 5000 })
    expect(code).toBe(0)
    expect(lastLine(output)).toBe('Login Succeeded')
    expect(Date.now() - started).toBeLessThan(2000)
  } finally {
    process.kill(Number(readFileSync(pidFile, 'utf8')))
  }
})
