// The docker CLI: login with the secret on stdin only, and logout.
import { lastLine, run } from './exec.js'

export class DockerError extends Error {}

export async function dockerLogin(registry: string, username: string, secret: string): Promise<void> {
  const { code, output } = await run('docker', ['login', registry, '--username', username, '--password-stdin'], secret)
  if (code !== 0) throw new DockerError(`docker login ${registry} failed: ${lastLine(output)}`)
}

/** `dockerConfig`: the DOCKER_CONFIG the login used, '' for docker's default. */
export async function dockerLogout(registry: string, dockerConfig = ''): Promise<void> {
  const env = dockerConfig ? { ...process.env, DOCKER_CONFIG: dockerConfig } : process.env
  const { code, output } = await run('docker', ['logout', registry], '', env)
  if (code !== 0) throw new DockerError(`docker logout ${registry} failed: ${lastLine(output)}`)
}
