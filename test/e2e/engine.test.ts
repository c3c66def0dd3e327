// The bundle with a real Docker engine (Debian docker.io) on a private socket: after the action a
// `docker pull` from the sandbox registry works, and after the post step it does not. Skipped,
// with the reason printed, only where the engine cannot start.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { IDENTITY, startSandbox, type Sandbox } from '../sandbox/index.ts'
import { laterStep, runStep, scratchDir, stopProcess } from '../sandbox/runner.ts'
import { dockerCalls, job, leaks } from './helpers.ts'

async function startEngine(): Promise<{ socket: string; stop: () => Promise<void> } | string> {
  const dir = scratchDir('dockerd-')
  const socket = join(dir, 'docker.sock')
  let engine: ChildProcess
  try {
    engine = spawn(
      'dockerd',
      [
        '--iptables=false',
        '--ip6tables=false',
        '--bridge=none',
        '--storage-driver=vfs',
        '-H',
        `unix://${socket}`,
        '--data-root',
        join(dir, 'data'),
        '--exec-root',
        join(dir, 'exec'),
        '--pidfile',
        join(dir, 'pid'),
      ],
      { stdio: 'ignore' },
    )
  } catch (err) {
    return `dockerd could not be run: ${(err as Error).message}`
  }
  const exited = new Promise<string>((resolve) => engine.once('exit', (code) => resolve(`dockerd exited with ${code}`)))
  engine.once('error', () => undefined)
  for (let i = 0; i < 150; i++) {
    if (existsSync(socket)) return { socket, stop: () => stopProcess(engine) }
    const gone = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(r, 100))])
    if (gone) return gone
  }
  await stopProcess(engine)
  return 'dockerd did not open its socket within 15 s'
}

const engine = await startEngine()
if (typeof engine === 'string') console.log(`engine test skipped: ${engine}`)
const withEngine = typeof engine === 'string' ? it.skip : it

let sb: Sandbox
beforeAll(async () => {
  sb = await startSandbox()
})
afterAll(async () => {
  await sb.stop()
  if (typeof engine !== 'string') await engine.stop()
})

withEngine('docker pull works after the action and fails after the post step', async () => {
  if (typeof engine === 'string') return
  const j = job(sb)
  j.env.DOCKER_HOST = `unix://${engine.socket}`
  const main = await runStep(j, 'main', { identity: IDENTITY, install: 'false' })
  expect(main.code).toBe(0)
  const pull = await laterStep(j, 'docker', ['pull', 'cgr.dev/chainguard/hello:latest'])
  expect(pull.stderr).toBe('')
  expect(pull.code).toBe(0)
  expect(pull.stdout).toContain('Downloaded newer image for cgr.dev/chainguard/hello:latest')

  const post = await runStep(j, 'post')
  expect(post.code).toBe(0)
  await laterStep(j, 'docker', ['rmi', 'cgr.dev/chainguard/hello:latest'])
  const again = await laterStep(j, 'docker', ['pull', 'cgr.dev/chainguard/hello:latest'])
  expect(again.code).not.toBe(0)
  expect(again.stderr).toMatch(/unauthorized|authentication required|no basic auth credentials/i)
  // docker logs in (through the engine) to a scratch config of the run's; the action writes and undoes the entry.
  expect(dockerCalls(j).filter((c) => c.startsWith('log'))).toEqual(['login cgr.dev --username _token --password-stdin '])
  expect(leaks(sb, j, [main, pull, post, again], { files: true })).toEqual([])
})
