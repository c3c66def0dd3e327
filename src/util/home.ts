// The home folder and the job's temporary folder, as the tools the action serves compute them:
// one place, so that a login is written where docker, podman and chainctl will look for it, and
// never at a relative path (that is, in the checkout).
import { homedir, tmpdir, userInfo } from 'node:os'
import { posix, win32 } from 'node:path'

export class HomeError extends Error {}

/**
 * The home folder as docker (pkg/homedir) and podman (containers/storage homedir) compute it:
 * on Windows %USERPROFILE%, never HOME (an MSYS-style HOME=/c/Users/me names a folder docker
 * never reads); elsewhere $HOME, else the user's passwd entry. Always absolute.
 */
export function homeDir(env: NodeJS.ProcessEnv = process.env, platform: string = process.platform): string {
  const windows = platform === 'win32'
  const { isAbsolute } = windows ? win32 : posix
  const fromEnv = windows ? env.USERPROFILE : env.HOME
  if (fromEnv && isAbsolute(fromEnv)) return fromEnv
  const fallback = windows ? homedir() : passwdHome()
  if (fallback && isAbsolute(fallback)) return fallback
  throw new HomeError(`No home folder: set ${windows ? 'USERPROFILE' : 'HOME'} to an absolute path, or use docker-config: isolated`)
}

function passwdHome(): string | undefined {
  try {
    return userInfo().homedir
  } catch {
    return undefined
  }
}

/**
 * Where the job's own folders go: RUNNER_TEMP (the runner empties it between jobs), else the
 * system's temporary folder (said once), never the working folder: the caller makes a folder of
 * its own (mkdtemp, 0700) in it.
 */
export function jobTemp(env: NodeJS.ProcessEnv = process.env, warn: (line: string) => void = () => undefined): string {
  const temp = env.RUNNER_TEMP
  if (temp && (posix.isAbsolute(temp) || win32.isAbsolute(temp))) return temp
  warn(`RUNNER_TEMP is ${temp ? `not absolute (${temp})` : 'not set'}: this job's files go to a private folder in ${tmpdir()}`)
  return tmpdir()
}
