import { spawn } from 'node:child_process'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { LockError, withLock } from '../../src/util/lock.js'
import { tempDirs } from '../../test/tempdirs.ts'

const dir = tempDirs('lock-')
const held = (file: string, pid: number, host = hostname()) =>
  writeFileSync(`${file}.setup-chainctl.lock`, JSON.stringify({ pid, host, token: `t${pid}` }))

describe('the lock beside a shared file', () => {
  it('is taken and given back, leaving nothing', () => {
    const d = dir()
    const file = join(d, 'config.json')
    expect(withLock(file, () => existsSync(`${file}.setup-chainctl.lock`))).toBe(true)
    expect(readdirSync(d)).toEqual([])
  })

  it('is taken over at once when its owner is gone (no such process on this host)', () => {
    const d = dir()
    const file = join(d, 'config.json')
    held(file, 2 ** 22 + 7) // beyond pid_max's default: no such process
    const started = Date.now()
    expect(withLock(file, () => 'changed', 5_000)).toBe('changed')
    expect(Date.now() - started).toBeLessThan(1_000)
    expect(readdirSync(d)).toEqual([])
  })

  it('is never taken over while its owner lives, nor when it is on another host: a clear error after the wait', () => {
    const d = dir()
    const file = join(d, 'config.json')
    const owner = spawn('sleep', ['30'])
    held(file, owner.pid!)
    expect(() => withLock(file, () => 'changed', 300)).toThrow(LockError)
    expect(() => withLock(file, () => 'changed', 300)).toThrow(`locked by process ${owner.pid} on ${hostname()}`)
    owner.kill()
    held(file, 2 ** 22 + 7, 'another-host')
    expect(() => withLock(file, () => 'changed', 300)).toThrow('on another-host; if no job on this machine is using it, remove')
    expect(existsSync(`${file}.setup-chainctl.lock`)).toBe(true) // not ours to remove
  })

  it('is removed only by its owner: a lock taken over meanwhile stays', () => {
    const d = dir()
    const file = join(d, 'config.json')
    withLock(file, () => held(file, process.pid)) // another owner's lock replaced ours while we held it
    expect(existsSync(`${file}.setup-chainctl.lock`)).toBe(true)
  })
})
