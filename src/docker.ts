// The docker CLI: login with the secret on stdin only, and logout.
import { spawn } from 'node:child_process'
import { oneLine } from './errors.js'

export class DockerError extends Error {}

interface Result {
  code: number
  output: string
}

// Plain spawn rather than @actions/exec: its stdin write crashes the process with EPIPE when the
// child exits before reading, and we want stdin always closed so docker can never wait on a prompt.
function docker(args: string[], input = ''): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { env: process.env, stdio: 'pipe', windowsHide: true })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    child.stdin.on('error', () => undefined) // the exit code tells what went wrong
    child.on('error', (err) => reject(new DockerError(`docker CLI could not be run: ${oneLine(err.message)}`)))
    child.on('close', (code) => resolve({ code: code ?? 1, output }))
    child.stdin.end(input)
  })
}

/** docker's own reason for a failure: its last meaningful output line. */
function reason(output: string): string {
  const lines = output.split('\n').filter((l) => l.trim() && !l.startsWith('WARNING!'))
  return oneLine(lines.pop() ?? 'no output', 300)
}

export async function dockerLogin(registry: string, username: string, secret: string): Promise<void> {
  const { code, output } = await docker(['login', registry, '--username', username, '--password-stdin'], secret)
  if (code !== 0) throw new DockerError(`docker login ${registry} failed: ${reason(output)}`)
}

export async function dockerLogout(registry: string): Promise<void> {
  const { code, output } = await docker(['logout', registry])
  if (code !== 0) throw new DockerError(`docker logout ${registry} failed: ${reason(output)}`)
}
