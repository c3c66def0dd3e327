// Reads and validates every input before anything touches the network or docker.
import * as core from '@actions/core'

export type Auth =
  | { kind: 'oidc'; identity: string; audience: string }
  | { kind: 'pull-token'; username: string; password: string }

export interface Inputs {
  auth: Auth
  /** Chainguard environment, e.g. enforce.dev: the issuer is https://issuer.<environment>. */
  environment: string
  /** Registry host[:port] to log in to; also the audience of the Chainguard token. */
  registry: string
  /** Whether the post step logs out again. */
  logout: boolean
}

export class InputError extends Error {}

const IDENTITY = /^[0-9a-f]+(?:\/[0-9a-f]+)*$/
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?'
const HOST = new RegExp(`^${LABEL}(?:\\.${LABEL})*(?::\\d{1,5})?$`)
// Printable, no spaces, no control characters: an OIDC audience is a URI or a host.
const AUDIENCE = /^[\x21-\x7e]{1,256}$/

function fail(name: string, expected: string, got?: string): never {
  const shown = got === undefined ? '' : `; got ${JSON.stringify(got.length > 80 ? `${got.slice(0, 80)}...` : got)}`
  throw new InputError(`Input '${name}' ${expected}${shown}`)
}

function identityId(name: string, value: string): string {
  if (!IDENTITY.test(value)) {
    fail(name, 'must be a Chainguard identity ID: lowercase hex groups separated by "/" (e.g. 4cf1...2a18/a4cc...8a38)', value)
  }
  return value
}

function host(name: string, value: string): string {
  const lower = value.toLowerCase()
  const port = lower.includes(':') ? Number(lower.split(':')[1]) : 1
  if (!HOST.test(lower) || port < 1 || port > 65535) {
    fail(name, 'must be a host name with an optional port, like cgr.dev or localhost:5000', value)
  }
  return lower
}

function bool(name: string, value: string): boolean {
  // The YAML 1.2 spellings, as core.getBooleanInput accepts.
  if (/^(true|True|TRUE)$/.test(value)) return true
  if (/^(false|False|FALSE)$/.test(value)) return false
  return fail(name, 'must be true or false', value)
}

/** `get` returns an input's trimmed value, '' when unset (as core.getInput does). */
export function parseInputs(get: (name: string) => string): Inputs {
  const environment = host('environment', get('environment') || 'enforce.dev')
  const registry = host('registry', get('registry') || 'cgr.dev')
  const logout = bool('logout', get('logout') || 'true')
  const identity = get('identity')
  const username = get('username')
  const password = get('password')
  const audience = get('audience')

  let auth: Auth
  if (password || username) {
    if (identity) fail('identity', 'must be empty when username/password (a pull token) are given: use one or the other')
    if (!password) fail('password', 'must hold the pull token when username is given')
    if (!username) fail('username', 'must be the pull token\'s identity ID when password is given')
    if (/[\r\n]/.test(password)) fail('password', 'must be a single line (the pull token)')
    auth = { kind: 'pull-token', username: identityId('username', username), password }
  } else {
    if (!identity) {
      fail('identity', 'is required: the Chainguard identity ID to assume (or give username and password for a pull token)')
    }
    if (audience && !AUDIENCE.test(audience)) {
      fail('audience', 'must be a single word of printable characters (a host or URI)', audience)
    }
    auth = { kind: 'oidc', identity: identityId('identity', identity), audience: audience || `issuer.${environment}` }
  }
  return { auth, environment, registry, logout }
}

/** Reads the action's inputs, masking the pull token before anything can print it. */
export function readInputs(): Inputs {
  const password = core.getInput('password')
  if (password) core.setSecret(password)
  return parseInputs((name) => core.getInput(name))
}
