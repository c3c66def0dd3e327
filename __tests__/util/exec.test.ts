// The CLI runner's contract, with real processes: what a CLI reads and prints, how it is stopped.
import { jest } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ExecError, lastLine, run } from '../../src/util/exec.js'
import { tempDirs } from '../../test/tempdirs.ts'

const dir = tempDirs('exec-')
afterEach(() => jest.restoreAllMocks())

/** Whether a process runs (a zombie nobody reaped yet counts as gone). */
const running = (pid: number) => existsSync(`/proc/${pid}/stat`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
const until = async (done: () => boolean) => {
  for (let i = 0; i < 100 && !done(); i++) await new Promise((r) => setTimeout(r, 20))
}
/** Waits until the signal handlers are back to `count`: a run's promise settles before its child closes. */
const handlersBack = async (count: number) => {
  await until(() => process.listenerCount('SIGTERM') === count)
  expect(process.listenerCount('SIGTERM')).toBe(count)
}
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
/** A CLI that starts a child of its own, notes its pid, and waits on it. */
const wrapper = (pidFile: string, trap = '') => ['-c', `${trap}sleep 30 & echo $! > ${pidFile}; wait; wait`]

describe('a CLI run', () => {
  it('gets an empty stdin that is closed at once: it can never wait on a prompt', async () => {
    await expect(run('cat', [])).resolves.toEqual({ code: 0, output: '' })
    await expect(run('cat', [], { input: 'secret\n' })).resolves.toEqual({ code: 0, output: 'secret\n' })
  })

  it("keeps what it says on stderr, where a CLI's reason for failing usually is", async () => {
    const { code, output } = await run('sh', ['-c', 'echo "Error response from daemon: unauthorized" >&2; exit 1'])
    expect(code).toBe(1)
    expect(lastLine(output)).toBe('Error response from daemon: unauthorized')
  })

  it('fails clearly, and at once, when the CLI cannot be run, leaving no timer to hold the step open', async () => {
    const [before, handlers] = [timers(), process.listenerCount('SIGTERM')]
    await expect(run('/nonexistent/docker', ['login'])).rejects.toThrow(
      new ExecError('/nonexistent/docker could not be run: spawn /nonexistent/docker ENOENT'),
    )
    expect(timers()).toBe(before)
    await handlersBack(handlers)
  })

  it('leaves no timer once it has ended: its time limit cannot keep the step alive', async () => {
    const before = timers()
    await run('true', [], { timeoutMs: 30_000 })
    expect(timers()).toBe(before)
  })

  it('is stopped at its time limit even when it ignores SIGTERM', async () => {
    const handlers = process.listenerCount('SIGTERM')
    const pidFile = join(dir(), 'child.pid')
    await expect(run('sh', wrapper(pidFile, "trap '' TERM; "), { timeoutMs: 300 })).rejects.toThrow(/did not finish within 0\.3s/)
    const child = Number(readFileSync(pidFile, 'utf8'))
    await until(() => !running(child))
    expect(running(child)).toBe(false)
    await handlersBack(handlers)
  })

  it('is not stopped, nor its old pid signalled, when its caller aborts after it ended', async () => {
    const cancel = new AbortController()
    await run('true', [], { signal: cancel.signal })
    const kill = jest.spyOn(process, 'kill')
    cancel.abort()
    expect(kill).not.toHaveBeenCalled() // its pid may be another process's by now
  })
})

describe('a cancelled job (the runner signals this process alone)', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('stops the CLIs it runs and their children on %s, then ends by that signal', async (signal) => {
    const listeners = process.listenerCount(signal)
    const kill = process.kill.bind(process)
    const self = jest.spyOn(process, 'kill').mockImplementation((pid, sig) => (pid === process.pid ? true : kill(pid, sig)))
    const d = dir()
    const clis = [run('sh', wrapper(join(d, 'a.pid'))), run('sh', wrapper(join(d, 'b.pid')))]
    await until(() => existsSync(join(d, 'a.pid')) && existsSync(join(d, 'b.pid')))
    // One handler however many run, so a long job never warns of a listener leak.
    expect(process.listenerCount(signal)).toBe(listeners + 1)
    process.emit(signal, signal)
    expect((await Promise.all(clis)).map((r) => r.code)).toEqual([1, 1])
    for (const file of ['a.pid', 'b.pid']) {
      const child = Number(readFileSync(join(d, file), 'utf8'))
      await until(() => !running(child))
      expect(running(child)).toBe(false)
    }
    expect(self).toHaveBeenCalledWith(process.pid, signal)
    expect(process.listenerCount(signal)).toBe(listeners) // the default again: the next signal ends the process
  })

  it('has no handler once its CLIs have ended, one while any runs', async () => {
    const listeners = process.listenerCount('SIGTERM')
    const d = dir()
    const long = run('sh', ['-c', `touch ${join(d, 'started')}; sleep 0.3`])
    await until(() => existsSync(join(d, 'started')))
    expect(process.listenerCount('SIGTERM')).toBe(listeners + 1) // one CLI alone is stopped on cancel too
    await run('true', [])
    expect(process.listenerCount('SIGTERM')).toBe(listeners + 1) // the first still runs
    await long
    expect(process.listenerCount('SIGTERM')).toBe(listeners)
  })
})

describe("a CLI's reason for failing", () => {
  it("is its last line that says something, not docker's WARNING! lines nor blank ones", () => {
    expect(lastLine('Error response from daemon: denied\nWARNING! Your password will be stored unencrypted\n\n  \n')).toBe(
      'Error response from daemon: denied',
    )
    expect(lastLine('login failed: WARNING! disk full\n')).toBe('login failed: WARNING! disk full')
    expect(lastLine('\n')).toBe('no output')
    expect(lastLine(`${'x'.repeat(400)}\n`)).toBe(`${'x'.repeat(300)}...`)
  })
})
