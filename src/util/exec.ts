// Runs a CLI with stdin always given and closed, collecting its output, within a time limit.
import { spawn, type ChildProcess } from 'node:child_process'
import { basename } from 'node:path'
import { oneLine } from './text.js'

export interface Result {
  code: number
  output: string
}

export class ExecError extends Error {}

/**
 * The limit on every CLI the action runs. docker and podman give up on a silent registry within
 * 20-25 s themselves, and chainctl's logins are two HTTP calls; a minute is well past what a
 * working one takes, so only a stuck CLI (a hung daemon, a registry that never answers) reaches it.
 */
export const DEFAULT_TIMEOUT_MS = 60_000
/** Output kept: the tail, where a CLI says why it failed. */
const MAX_OUTPUT_CHARS = 64 * 1024

/** Kills the child and, on POSIX, its process group: a wrapper script's children die with it. */
function stop(child: ChildProcess): void {
  if (process.platform === 'win32' || !child.pid) child.kill('SIGKILL')
  else {
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {
      // the group has gone already
    }
  }
  // A grandchild that escaped the kill must not keep the pipes, and so this process, open.
  child.stdout?.destroy()
  child.stderr?.destroy()
}

/**
 * The CLIs running now. A cancelled job gets SIGINT (then SIGTERM) on this process alone; a CLI
 * in its own process group would outlive it, and a login would store its credential after the
 * post step has cleaned up. So while one runs, the signal stops them all, then this process.
 */
const running = new Set<ChildProcess>()
const SIGNALS = ['SIGINT', 'SIGTERM'] as const

function cancelled(signal: NodeJS.Signals): void {
  running.forEach(stop)
  for (const s of SIGNALS) process.off(s, cancelled)
  process.kill(process.pid, signal) // the signal's own default: this process ends by it
}

function track(child: ChildProcess): void {
  if (running.size === 0) for (const s of SIGNALS) process.on(s, cancelled)
  running.add(child)
  child.on('close', () => {
    running.delete(child)
    if (running.size === 0) for (const s of SIGNALS) process.off(s, cancelled)
  })
}

// Plain spawn rather than @actions/exec: its stdin write crashes the process with EPIPE when the
// child exits before reading, and a closed stdin means no CLI can ever wait on a prompt.
export interface RunOptions {
  /** Written to stdin, which is then closed. */
  input?: string
  env?: NodeJS.ProcessEnv
  timeoutMs?: number
  /** Stops the CLI: its caller has given up on it. */
  signal?: AbortSignal
}

export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<Result> {
  const { input = '', env = process.env, timeoutMs = DEFAULT_TIMEOUT_MS, signal } = opts
  return new Promise((resolve, reject) => {
    const command = oneLine(`${basename(cmd)} ${args.join(' ')}`)
    if (signal?.aborted) return reject(new ExecError(`${command} was cancelled`))
    const child = spawn(cmd, args, { env, stdio: 'pipe', windowsHide: true, detached: process.platform !== 'win32' })
    track(child)
    const timer = setTimeout(() => {
      stop(child)
      reject(new ExecError(`${command} did not finish within ${Number((timeoutMs / 1000).toFixed(1))}s and was stopped`))
    }, timeoutMs)
    // The caller gave up on it: a CLI left running would hold the step until its time limit.
    const cancel = () => (stop(child), reject(new ExecError(`${command} was cancelled`)))
    signal?.addEventListener('abort', cancel, { once: true })
    let output = ''
    const collect = (d: Buffer) => (output = (output + d.toString()).slice(-MAX_OUTPUT_CHARS))
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    child.stdin.on('error', () => undefined) // the exit code tells what went wrong
    child.on('error', (err) => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', cancel)
      reject(new ExecError(`${cmd} could not be run: ${oneLine(err.message)}`))
    })
    // A daemon the CLI started can hold its output open for ever: once the CLI has exited, what
    // it wrote is read within moments, and then its pipes are closed.
    child.on('exit', () => setTimeout(() => (child.stdout.destroy(), child.stderr.destroy()), 500).unref())
    child.on('close', (code) => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', cancel)
      resolve({ code: code ?? 1, output })
    })
    child.stdin.end(input)
  })
}

/** A CLI's own reason for a failure: its last meaningful output line. */
export function lastLine(output: string): string {
  const lines = output.split('\n').filter((l) => l.trim() && !l.startsWith('WARNING!'))
  return oneLine(lines.pop() ?? 'no output', 300)
}
