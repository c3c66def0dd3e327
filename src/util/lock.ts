// A lock beside a shared file, so that runs of this action on one machine never read, change and
// write back the same file at once. It is a file made whole in one step (a link to a finished
// temp file) naming its owner: pid and host. It is taken over only when that owner is gone (same
// host, no such process), by one waiter at a time, and only its owner removes it.
import { randomBytes } from 'node:crypto'
import { linkSync, mkdirSync, readFileSync, rmdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'

interface Owner {
  pid: number
  host: string
  /** Unique to one taking of the lock. */
  token: string
}

export class LockError extends Error {}

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/** The lock's owner; null when there is no lock, undefined when it names none (not ours to judge). */
function ownerOf(lock: string): Owner | null | undefined {
  let text: string
  try {
    text = readFileSync(lock, 'utf8')
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? null : undefined
  }
  try {
    const o = JSON.parse(text) as Owner
    return typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.token === 'string' ? o : undefined
  } catch {
    return undefined
  }
}

/** Whether the process that took the lock is gone: only a process on this host can be checked. */
export function ownerGone(o: Owner): boolean {
  if (o.host !== hostname()) return false
  try {
    process.kill(o.pid, 0)
    return false
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

/** Takes the lock if free: the file appears whole or not at all. */
function tryTake(lock: string, me: Owner): boolean {
  const temp = `${lock}.${me.token}`
  writeFileSync(temp, JSON.stringify(me), { mode: 0o600 })
  try {
    linkSync(temp, lock)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    return false
  } finally {
    rmSync(temp, { force: true })
  }
}

/**
 * Removes a lock whose owner is gone. Waiters that saw the same dead owner race for a folder named
 * after its token; the one that makes it removes the lock only if it is still that owner's.
 * Whether this waiter made the claim (false: another has it, or left it behind when it died).
 */
function takeOver(lock: string, dead: Owner): boolean {
  const claim = `${lock}.takeover-${dead.token}`
  try {
    mkdirSync(claim)
  } catch {
    return false
  }
  try {
    if (ownerOf(lock)?.token === dead.token) unlinkSync(lock)
  } finally {
    rmdirSync(claim)
  }
  return true
}

/** Runs `change` holding the lock `${file}.setup-chainctl.lock`; waits up to `waitMs` for it. */
export function withLock<T>(file: string, change: () => T, waitMs = 30_000): T {
  const lock = `${file}.setup-chainctl.lock`
  const me: Owner = { pid: process.pid, host: hostname(), token: randomBytes(8).toString('hex') }
  for (const started = Date.now(); !tryTake(lock, me); pause(5 + Math.random() * 10)) {
    const owner = ownerOf(lock)
    // A claim that stays (its waiter was killed between making and removing it) ends in the deadline too.
    if (owner && ownerGone(owner) && takeOver(lock, owner)) continue
    if (Date.now() - started > waitMs) {
      const who = owner ? `process ${owner.pid} on ${owner.host}` : 'an owner it does not name'
      throw new LockError(`${file} is locked by ${who}; if no job on this machine is using it, remove ${lock}`)
    }
  }
  try {
    return change()
  } finally {
    if (ownerOf(lock)?.token === me.token) unlinkSync(lock)
  }
}
