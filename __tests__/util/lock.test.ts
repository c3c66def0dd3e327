import { jest } from '@jest/globals'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { LockError, withLock } from '../../src/util/lock.js'
import { tempDirs } from '../../test/tempdirs.ts'

const dir = tempDirs('lock-')
const held = (file: string, pid: number, host = hostname()) =>
  writeFileSync(`${file}.setup-chainctl.lock`, JSON.stringify({ pid, host, token: `t${pid}` }))
const DEAD = 2 ** 22 + 7 // beyond pid_max's default: no such process
afterEach(() => jest.restoreAllMocks())

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
    held(file, DEAD)
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

  it('is waited for while its owner lives, and taken once that owner gives it back', () => {
    const d = dir()
    const file = join(d, 'config.json')
    const lock = `${file}.setup-chainctl.lock`
    const owner = spawn('sh', ['-c', `sleep 0.4; rm -f '${lock}'`]) // another job's step, done in 0.4 s
    held(file, owner.pid!)
    const started = Date.now()
    expect(withLock(file, () => 'changed', 5_000)).toBe('changed')
    expect(Date.now() - started).toBeGreaterThanOrEqual(300)
  })

  it('is never taken over when it names no owner this action wrote (another tool, or half a file)', () => {
    const d = dir()
    const file = join(d, 'config.json')
    const lock = `${file}.setup-chainctl.lock`
    const me = hostname()
    for (const text of ['not json', 'null', '{}', { host: me, token: 't' }, { pid: DEAD, token: 't' }, { pid: DEAD, host: me }]) {
      writeFileSync(lock, typeof text === 'string' ? text : JSON.stringify(text))
      expect(() => withLock(file, () => 'changed', 100)).toThrow(
        `${file} is locked by an owner it does not name; if no job on this machine is using it, remove ${lock}`,
      )
      expect(existsSync(lock)).toBe(true)
    }
  })

  it('is taken over by one waiter only; a claim another waiter left (killed mid-takeover) ends in the wait, not an endless loop', () => {
    const d = dir()
    const file = join(d, 'config.json')
    const claim = `${file}.setup-chainctl.lock.takeover-t${DEAD}`
    held(file, DEAD)
    mkdirSync(claim) // the other waiter's claim, made a moment ago
    expect(() => withLock(file, () => 'changed', 200)).toThrow(LockError)
    expect(existsSync(claim)).toBe(true)
    expect(existsSync(`${file}.setup-chainctl.lock`)).toBe(true)
  })

  it('is not removed when, between seeing its dead owner and claiming it, another job took it', () => {
    const d = dir()
    const file = join(d, 'config.json')
    const live = spawn('sleep', ['30'])
    held(file, DEAD)
    const kill = process.kill.bind(process)
    // The race, placed where it can happen: as the waiter checks the dead owner, another waiter
    // removes the lock and a live job takes it.
    jest.spyOn(process, 'kill').mockImplementation((pid, signal) => {
      if (pid === DEAD) held(file, live.pid!)
      return kill(pid, signal)
    })
    try {
      expect(() => withLock(file, () => 'changed', 200)).toThrow(`locked by process ${live.pid} on ${hostname()}`)
    } finally {
      live.kill()
    }
  })

  it("is never taken over from a live process of another user (the check says EPERM, not 'no such process')", () => {
    const d = dir()
    const file = join(d, 'config.json')
    held(file, DEAD)
    jest.spyOn(process, 'kill').mockImplementation(() => {
      throw Object.assign(new Error('kill EPERM'), { code: 'EPERM' })
    })
    expect(() => withLock(file, () => 'changed', 100)).toThrow(`locked by process ${DEAD}`)
  })

  it('is given back without fuss when a user removed it meanwhile, as the error advises', () => {
    const d = dir()
    const file = join(d, 'config.json')
    expect(withLock(file, () => (rmSync(`${file}.setup-chainctl.lock`), 'changed'))).toBe('changed')
    expect(readdirSync(d)).toEqual([])
  })
})
