// Reads and validates every input before anything touches the network or docker.
import * as core from '@actions/core'
import { readFileSync, statSync } from 'node:fs'
import { expandHome } from './registry/dockerfolder.js'
import { homeDir } from './util/home.js'
import { BadReference, MAX_IMAGES, parseReferences, type ImageRef } from './images/reference.js'
import { CLIS, notOnPath, onPath, type Cli } from './registry/clis.js'
import type { LoginOptions } from './registry/login.js'
import type { ChainctlOptions } from './chainctl/options.js'
import { parseEcosystems, type LibrariesOptions } from './libraries/options.js'
import { mavenConf } from './libraries/mvn.js'
import type { Auth, TokenRequest } from './token/credentials.js'

/** Every input, parsed: each part of the action declares the share it reads. */
export interface Inputs extends TokenRequest, LoginOptions {
  chainctl: ChainctlOptions
  jobSummary: boolean
  /** Output the registry token (masked) for tools with their own login. */
  outputToken: boolean
  /** Images to check the login can pull, after it; empty: no check. */
  checkImages: ImageRef[]
  libraries: LibrariesOptions
}

export class InputError extends Error {}

const IDENTITY = /^[0-9a-f]+(?:\/[0-9a-f]+)*$/
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?'
const HOST = new RegExp(`^${LABEL}(?:\\.${LABEL})*(?::\\d{1,5})?$`)
// Printable, no spaces, no control characters: an OIDC audience is a URI or a host.
const AUDIENCE = /^[\x21-\x7e]{1,256}$/

// Every input's longest sane value: a full DNS name (253) with a port fits the default.
const DEFAULT_MAX_LENGTH = 260
const MAX_LENGTH: Record<string, number> = {
  password: 8192,
  'download-url': 2048,
  'config-path': 4096,
  'docker-config': 4096,
  'check-images': MAX_IMAGES * 512, // a reference is at most a 255-character name, a tag and a digest
}

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

function containerCli(value: string): { auto: boolean; clis: Cli[] } {
  if (value === 'auto') return { auto: true, clis: [...CLIS] }
  if (value === 'none') return { auto: false, clis: [] }
  const names = value.split(/[\s,]+/).filter(Boolean)
  if (names.length === 0 || names.some((n) => !(CLIS as readonly string[]).includes(n))) {
    fail('container-cli', `must be auto, none or a list of ${CLIS.join(', ')}`, value)
  }
  return { auto: false, clis: [...new Set(names as Cli[])] }
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

/** https, or http for a loopback host only (a local mirror); no query, no trailing slash. */
function downloadUrl(value: string): string {
  let url: URL | undefined
  try {
    url = new URL(value)
  } catch {
    url = undefined
  }
  const expected = 'must be an https URL (http only for localhost) without credentials, like https://dl.enforce.dev/chainctl'
  if (url && (url.username || url.password)) fail('download-url', expected) // never echo credentials
  // A bare `?` or `#` leaves search and hash empty, yet every path built on the value would be wrong.
  const ok = url && !/[?#]/.test(value) && (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname)))
  if (!ok) fail('download-url', expected, value)
  return value.replace(/\/+$/, '')
}

function chainctlInputs(get: (name: string) => string, environment: string, oidc: boolean): ChainctlOptions {
  const version = get('version') || 'latest'
  if (version !== 'latest' && !/^\d+\.\d+\.\d+$/.test(version)) fail('version', 'must be latest or a version X.Y.Z, like 0.2.50', version)
  const verbosity = get('verbosity') || '0'
  if (!/^[0-5]$/.test(verbosity)) fail('verbosity', 'must be a number from 0 to 5', verbosity)
  const configPath = get('config-path')
  if (/[\r\n\0]/.test(configPath)) fail('config-path', 'must be a single-line file path', configPath)
  const envAuth = bool('env-auth', get('env-auth') || 'false')
  if (envAuth && !oidc) fail('env-auth', "needs 'identity': HTTP_AUTH carries a token the identity gets for the apk host")
  return {
    install: bool('install', get('install') || 'true'),
    version,
    downloadUrl: downloadUrl(get('download-url') || `https://dl.${environment}/chainctl`),
    apkHost: host('apk-host', get('apk-host') || 'apk.cgr.dev'),
    librariesHost: host('libraries-host', get('libraries-host') || 'libraries.cgr.dev'),
    envAuth,
    verbosity: Number(verbosity),
    configPath,
  }
}

/** What the run is, beyond the inputs: `fork` is the head repository of a fork's pull request that has no OIDC token. */
export interface RunContext {
  fork?: string
}

/** The head repository of a pull request event when it is not `repository` (a fork), from the event payload. */
export function forkOf(event: unknown, repository: string | undefined): string | undefined {
  const head = (event as { pull_request?: { head?: { repo?: { full_name?: unknown } } } } | null)?.pull_request?.head?.repo?.full_name
  if (typeof head !== 'string' || !repository) return undefined
  return head.toLowerCase() === repository.toLowerCase() ? undefined : head
}

function forkError(fork: string): never {
  throw new InputError(
    `This job runs for a pull request from the fork ${fork}, and GitHub gives fork pull requests no OIDC token (nor this repository's variables and secrets), so it cannot log in; ` +
      'public images (cgr.dev/chainguard/<name>:latest) still pull without a login. Skip this step for forks with: ' +
      'if: github.event.pull_request.head.repo.full_name == github.repository || !github.event.pull_request',
  )
}

/** OIDC (identity) or pull token (username/password): one or the other. */
function authInputs(get: (name: string) => string, environment: string, run: RunContext): Auth {
  const [identity, username, password, audience] = ['identity', 'username', 'password', 'audience'].map(get)
  // Before 'identity is required': a fork's run gets no variables either, so that is what empties it.
  if (run.fork && !password) forkError(run.fork)
  if (password || username) {
    if (identity) fail('identity', 'must be empty when username/password (a pull token) are given: use one or the other')
    if (!password) fail('password', 'must hold the pull token when username is given')
    if (!username) fail('username', "must be the pull token's identity ID when password is given")
    if (/[\r\n]/.test(password)) fail('password', 'must be a single line (the pull token)')
    return { kind: 'pull-token', username: identityId('username', username), password }
  }
  if (!identity) fail('identity', 'is required: the Chainguard identity ID to assume (or give username and password for a pull token)')
  if (audience && !AUDIENCE.test(audience)) fail('audience', 'must be a single word of printable characters (a host or URI)', audience)
  return { kind: 'oidc', identity: identityId('identity', identity), audience: audience || `issuer.${environment}` }
}

function libraries(get: (name: string) => string, host: string, oidc: boolean): LibrariesOptions {
  const keyring = bool('setup-python-keyring', get('setup-python-keyring') || 'false')
  const ecosystems = parseEcosystems(get('libraries'), keyring)
  if (typeof ecosystems === 'string') fail('libraries', ecosystems)
  const name = get('libraries') ? 'libraries' : 'setup-python-keyring'
  if (ecosystems.length > 0 && !oidc)
    fail(name, "needs 'identity': the libraries token is the identity's, exchanged for the libraries host")
  return { ecosystems, host }
}

function checkImages(value: string, registry: string): ImageRef[] {
  try {
    return parseReferences(value, registry)
  } catch (err) {
    if (err instanceof BadReference) fail('check-images', err.message)
    throw err
  }
}

/** `get` with each value's length checked as it is read: an oversized input never reaches a request. */
function bounded(get: (name: string) => string): (name: string) => string {
  return (name) => {
    const value = get(name)
    const max = MAX_LENGTH[name] ?? DEFAULT_MAX_LENGTH
    if (value.length > max) fail(name, `must be at most ${max} characters long, not ${value.length}`)
    return value
  }
}

/** `get` returns an input's trimmed value, '' when unset (as core.getInput does). */
export function parseInputs(unbounded: (name: string) => string, run: RunContext = {}): Inputs {
  const get = bounded(unbounded)
  const environment = host('environment', get('environment') || 'enforce.dev')
  const registry = host('registry', get('registry') || 'cgr.dev')
  const logout = bool('logout', get('logout') || 'true')
  const auth = authInputs(get, environment, run)
  const dockerConfig = get('docker-config')
  if (/[\r\n\0]/.test(dockerConfig)) fail('docker-config', "must be empty, 'isolated' or a folder path", dockerConfig)
  if (/^~[^\\/]/.test(dockerConfig)) fail('docker-config', 'must name a folder with ~ or ~/ (your home), not ~user', dockerConfig)
  const credentialHelper = bool('credential-helper', get('credential-helper') || 'false')
  if (credentialHelper && auth.kind !== 'oidc') fail('credential-helper', "needs 'identity': the helper exchanges the job's OIDC token")
  const chainctl = chainctlInputs(get, environment, auth.kind === 'oidc')
  return {
    auth,
    chainctl,
    environment,
    registry,
    logout,
    dockerConfig,
    credentialHelper,
    containerCli: containerCli(get('container-cli') || 'auto'),
    jobSummary: bool('job-summary', get('job-summary') || 'true'),
    outputToken: bool('output-token', get('output-token') || 'false'),
    checkImages: checkImages(get('check-images'), registry),
    libraries: libraries(get, chainctl.librariesHost, auth.kind === 'oidc'),
  }
}

/** GitHub's own cap on a webhook payload: a larger file is not an event, and is not read. */
const MAX_EVENT_BYTES = 25 * 1024 * 1024

function eventPayload(path: string | undefined): unknown {
  try {
    if (!path || statSync(path).size > MAX_EVENT_BYTES) return undefined
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    return undefined // no payload: not a run the fork check can recognise
  }
}

/**
 * The run's context from the runner's environment: a fork's pull request only matters without an
 * OIDC token. pull_request_target runs in this repository's context, which gets a token with
 * `id-token: write`: there a missing token is a missing permission, not the fork.
 */
export function runContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  if (env.ACTIONS_ID_TOKEN_REQUEST_URL || env.GITHUB_EVENT_NAME === 'pull_request_target') return {}
  return { fork: forkOf(eventPayload(env.GITHUB_EVENT_PATH), env.GITHUB_REPOSITORY) }
}

/** Reads the action's inputs, masking the pull token before anything can print it. */
export function readInputs(): Inputs {
  const password = core.getInput('password')
  if (password) core.setSecret(password)
  const inputs = parseInputs((name) => core.getInput(name), runContext())
  const folder = expandHome(inputs.dockerConfig, () => homeDir())
  if (folder && folder !== 'isolated' && statSync(folder, { throwIfNoEntry: false })?.isDirectory() === false)
    fail('docker-config', "must be empty, 'isolated' or a folder path, not a file", inputs.dockerConfig)
  // A CLI named is checked before any request; the credential helper logs no CLI in.
  const missing = inputs.credentialHelper ? undefined : inputs.containerCli.clis.find((cli) => !inputs.containerCli.auto && !onPath(cli))
  if (missing) throw new InputError(notOnPath(missing))
  if (inputs.libraries.ecosystems.includes('java')) mavenConf() // Maven missing: named before any request
  return inputs
}
