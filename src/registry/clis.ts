// The container CLIs that log in to the registry: docker, and podman (whose auth file buildah
// and skopeo read too). The secret goes on stdin only.
import { statSync } from 'node:fs'
import { join, posix, win32 } from 'node:path'
import { lastLine, run } from '../util/exec.js'
import { homeDir } from '../util/home.js'

export const CLIS = ['docker', 'podman'] as const
export type Cli = (typeof CLIS)[number]

/** Where a CLI logs in: docker's config folder or podman's auth file. */
export type Target = { cli: 'docker'; dockerConfig: string } | { cli: 'podman'; authfile: string }

export class LoginError extends Error {}

/**
 * Whether `name` is on PATH as something spawn can start. On Windows, Node (libuv) tries only
 * `name.com` and `name.exe` whatever PATHEXT says: a docker.cmd or .bat shim needs a shell.
 */
export function onPath(name: string, env: NodeJS.ProcessEnv = process.env, platform: string = process.platform): boolean {
  const win = platform === 'win32'
  const names = win ? [`${name}.com`, `${name}.exe`] : [name]
  return (env.PATH ?? '')
    .split(win ? ';' : ':')
    .filter(Boolean)
    .some((dir) => names.some((file) => statSync(join(dir, file), { throwIfNoEntry: false })?.isFile()))
}

/** The line for a CLI named in container-cli that is not there. */
export const notOnPath = (cli: Cli) => `${cli} is not on PATH: install it or set container-cli (auto, none, docker, podman)`

/**
 * The auth file podman uses, given explicitly so the post step undoes exactly what main did:
 * REGISTRY_AUTH_FILE; else $DOCKER_CONFIG/config.json (podman 4 reads it when DOCKER_CONFIG is
 * set); else ${XDG_RUNTIME_DIR}/containers/auth.json, /run/containers/0/auth.json for root on
 * Linux, and ~/.config/containers/auth.json elsewhere (%USERPROFILE% on Windows: never relative).
 */
export function podmanAuthFile(env: NodeJS.ProcessEnv, platform: string, uid: number): string {
  if (env.REGISTRY_AUTH_FILE) return env.REGISTRY_AUTH_FILE
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, 'config.json')
  if (platform === 'linux' && env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json')
  if (platform === 'linux' && uid === 0) return '/run/containers/0/auth.json'
  return (platform === 'win32' ? win32 : posix).join(homeDir(env, platform), '.config', 'containers', 'auth.json')
}

function invocation(target: Target, registry: string): { args: string[]; env: NodeJS.ProcessEnv } {
  if (target.cli === 'podman') return { args: ['login', '--authfile', target.authfile, registry], env: process.env }
  return { args: ['login', registry], env: { ...process.env, DOCKER_CONFIG: target.dockerConfig } }
}

/** `timeoutMs`: the CLI's time limit, exec's default unless given. */
export async function cliLogin(target: Target, registry: string, username: string, secret: string, timeoutMs?: number): Promise<void> {
  if (!onPath(target.cli)) throw new LoginError(notOnPath(target.cli))
  const { args, env } = invocation(target, registry)
  const { code, output } = await run(target.cli, [...args, '--username', username, '--password-stdin'], { input: secret, env, timeoutMs })
  if (code !== 0) throw new LoginError(`${target.cli} login ${registry} failed: ${lastLine(output)}`)
}

/**
 * Erases what `docker login registry` stored in the credential store `helper`, and nothing else:
 * `docker logout` would also erase the http:// and https:// spellings, which may be a user's own.
 */
export async function eraseStored(helper: string, registry: string): Promise<void> {
  const { code, output } = await run(`docker-credential-${helper}`, ['erase'], { input: registry })
  if (code !== 0) throw new LoginError(`docker-credential-${helper} erase ${registry} failed: ${lastLine(output)}`)
}

/**
 * docker's login failed in its credential store (docker's "error storing credentials - err: ..."):
 * osxkeychain, wincred and desktop need a logged-in user's session, which a runner running as a
 * service does not have (docker/cli#4487, #1263). A config of the job's own has no credsStore.
 */
export function storeFailure(err: unknown, store: string): unknown {
  if (!(err instanceof LoginError) || !/error (storing|getting|saving) credentials/i.test(err.message)) return err
  return new LoginError(
    `${err.message}. docker keeps logins in credsStore "${store}", which can need an interactive session: set docker-config: isolated to keep this job's login in a config of its own`,
  )
}
