// What each ecosystem's clients are given, as pure functions of the host, the token and the user's
// own settings: files for the job's folder and variables for later steps. Nothing here writes.

export interface ClientConfig {
  /** File name in the job's folder -> content (written 0600). */
  files: Record<string, string>
  /** Variables for later steps; `{dir}` stands for the job's folder. */
  env: Record<string, string>
  /** Folders copied into the job's folder first: name there -> source. */
  copies?: Record<string, string>
  /** The clients this serves, for the log, the output and the summary. */
  clients: string[]
}

export const USERNAME = '_token'

/** The base64 `_token:<token>` the npmrc holds: a secret of its own to mask. */
export const npmAuth = (token: string) => Buffer.from(`${USERNAME}:${token}`).toString('base64')

const hostname = (host: string) => host.replace(/:\d+$/, '')
const ensureNewline = (text: string) => (text && !text.endsWith('\n') ? `${text}\n` : text)

/**
 * pip and uv: the index URL (no credentials in it, so no log can show them) in their variables,
 * and the credentials in a netrc (NETRC) that carries the user's own netrc over. Python's netrc
 * reader takes the last entry of a machine, so ours goes last, after a blank line: that ends a
 * macro (macdef) the user's file may end with, which would otherwise swallow our entry.
 */
export function python(host: string, token: string, userNetrc: string): ClientConfig {
  const index = `https://${host}/python/simple/`
  const entry = `machine ${hostname(host)} login ${USERNAME} password ${token}\n`
  return {
    files: { netrc: userNetrc.trim() ? `${ensureNewline(userNetrc)}\n${entry}` : entry },
    env: { PIP_INDEX_URL: index, UV_DEFAULT_INDEX: index, NETRC: '{dir}/netrc' },
    clients: ['pip', 'uv'],
  }
}

/**
 * npm and pnpm: a user config (NPM_CONFIG_USERCONFIG, as actions/setup-node does)
 * that is the user's own plus the registry and its credentials. The credentials are keyed to the
 * host, not the path: pnpm sends them only under the path they are keyed to, and packages
 * Chainguard has not rebuilt come from /javascript-upstream/. Yarn Berry is left alone: it reads no
 * .npmrc, and its one file-free route (YARN_NPM_AUTH_IDENT) is sent to every registry without
 * credentials of its own, e.g. a scope's (JSR's npm.jsr.io).
 */
export function javascript(host: string, token: string, userNpmrc: string): ClientConfig {
  const registry = `https://${host}/javascript/`
  const ours = `registry=${registry}\n//${host}/:_auth=${npmAuth(token)}\n`
  return {
    files: { npmrc: ensureNewline(userNpmrc) + ours },
    // Both spellings: npm takes whichever comes later in the environment, and a user's own
    // npm_config_userconfig (read above) would otherwise win half the time.
    env: { NPM_CONFIG_USERCONFIG: '{dir}/npmrc', npm_config_userconfig: '{dir}/npmrc' },
    clients: ['npm', 'pnpm'],
  }
}
