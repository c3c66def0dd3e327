// The docker CLI: login with the secret on stdin only, and logout.
import * as exec from '@actions/exec'
import { oneLine } from './errors.js'

export class DockerError extends Error {}

async function docker(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { exitCode, stdout, stderr } = await exec.getExecOutput('docker', args, {
      input: input === undefined ? undefined : Buffer.from(input),
      ignoreReturnCode: true,
      silent: true,
    })
    return { code: exitCode, stdout, stderr }
  } catch (err) {
    throw new DockerError(`docker CLI could not be run: ${oneLine((err as Error).message)}`)
  }
}

/** docker's own reason for a failure: its last non-empty stderr line. */
function reason(stderr: string, stdout: string): string {
  const lines = `${stderr}\n${stdout}`.split('\n').filter((l) => l.trim() && !l.startsWith('WARNING!'))
  return oneLine(lines.pop() ?? 'no output', 300)
}

export async function dockerLogin(registry: string, username: string, secret: string): Promise<void> {
  const { code, stdout, stderr } = await docker(['login', registry, '--username', username, '--password-stdin'], secret)
  if (code !== 0) throw new DockerError(`docker login ${registry} failed: ${reason(stderr, stdout)}`)
}

export async function dockerLogout(registry: string): Promise<void> {
  const { code, stdout, stderr } = await docker(['logout', registry])
  if (code !== 0) throw new DockerError(`docker logout ${registry} failed: ${reason(stderr, stdout)}`)
}
