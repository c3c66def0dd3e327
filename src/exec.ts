// Runs a CLI with stdin always given and closed, collecting its output.
import { spawn } from 'node:child_process'
import { oneLine } from './errors.js'

export interface Result {
  code: number
  output: string
}

export class ExecError extends Error {}

// Plain spawn rather than @actions/exec: its stdin write crashes the process with EPIPE when the
// child exits before reading, and a closed stdin means no CLI can ever wait on a prompt.
export function run(cmd: string, args: string[], input = '', env: NodeJS.ProcessEnv = process.env): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: 'pipe', windowsHide: true })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    child.stdin.on('error', () => undefined) // the exit code tells what went wrong
    child.on('error', (err) => reject(new ExecError(`${cmd} could not be run: ${oneLine(err.message)}`)))
    child.on('close', (code) => resolve({ code: code ?? 1, output }))
    child.stdin.end(input)
  })
}

/** A CLI's own reason for a failure: its last meaningful output line. */
export function lastLine(output: string): string {
  const lines = output.split('\n').filter((l) => l.trim() && !l.startsWith('WARNING!'))
  return oneLine(lines.pop() ?? 'no output', 300)
}
