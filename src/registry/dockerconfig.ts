// Docker config files (and podman's auth files, the same format): where they are, reading them,
// and writing them back in their own indentation and line ends (so unrelated entries of a
// docker-written config stay byte-for-byte) through symbolic links to the real file as docker
// does, atomically (temp file + rename beside the real file), keeping owner, mode and Go's escapes.
import { randomBytes } from 'node:crypto'
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { homeDir } from '../util/home.js'
import { renameRetrying } from '../util/winfs.js'

export type DockerConfig = Record<string, unknown> & {
  credHelpers?: Record<string, unknown>
  credsStore?: string
}

export type Section = 'auths' | 'credHelpers'

export class DockerConfigError extends Error {}

/** The folder docker reads: $DOCKER_CONFIG, else ~/.docker (%USERPROFILE%\\.docker on Windows). */
export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || join(homeDir(env), '.docker')
}

/** The file a path finally names, through symbolic links; a dangling link names its target. */
export function realFile(file: string): string {
  let path = resolve(file)
  for (let hops = 0; hops < 40; hops++) {
    // A relative link starts from the folder it really is in, as the system resolves it, not from a linked folder's parent.
    path = join(realFolder(dirname(path)), basename(path))
    if (!isLink(path)) return path
    path = resolve(dirname(path), readlinkSync(path))
  }
  throw new DockerConfigError(`${file}: too many levels of symbolic links`)
}

/** A folder's real path; for one that does not exist yet, its nearest existing parent's, with the rest appended. */
function realFolder(dir: string): string {
  try {
    return realpathSync(dir)
  } catch {
    const parent = dirname(dir)
    return parent === dir ? dir : join(realFolder(parent), basename(dir))
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink()
  } catch {
    return false
  }
}

export interface Loaded {
  config: DockerConfig
  /** The file's indentation: '' for a file on one line. */
  indent: string
  /** Its line ends. */
  eol: '\n' | '\r\n'
  /** What ends the file: a line end or nothing. */
  newline: string
  /** The file as read; null when there is none. */
  text: string | null
}

/** A config's text as JSON: an empty file is an empty config, as docker reads it. */
export function parseConfig(text: string, file: string): DockerConfig {
  let config: unknown
  try {
    config = text.trim() ? JSON.parse(text) : {}
  } catch {
    throw new DockerConfigError(`${file} is not valid JSON; fix or remove it`)
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new DockerConfigError(`${file} is not a JSON object`)
  return config as DockerConfig
}

export function loadConfig(file: string): Loaded {
  if (!existsSync(file)) return { config: {}, indent: '\t', eol: '\n', newline: '', text: null }
  const text = readFileSync(file, 'utf8')
  const config = parseConfig(text, file)
  const eol = text.includes('\r\n') ? '\r\n' : '\n'
  const indent = text.trim().includes('\n') ? (/^\{\r?\n([ \t]+)"/.exec(text)?.[1] ?? '\t') : ''
  return { config, indent, eol, newline: text.endsWith('\n') ? eol : '', text }
}

/**
 * Writes `text` to `file` atomically with `mode` (0600 unless told). Run as root, the file keeps
 * its owner (a new one takes its folder's), as docker keeps it: a runner running as root never
 * takes a user's config from that user.
 */
export function writeSecretFile(file: string, text: string, mode = 0o600): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    writeFileSync(temp, text, { mode })
    chmodSync(temp, mode) // whatever the umask
    if (process.getuid?.() === 0) {
      const owner = statSync(file, { throwIfNoEntry: false }) ?? statSync(dirname(file))
      chownSync(temp, owner.uid, owner.gid)
    }
    renameRetrying(temp, file)
  } catch (err) {
    rmSync(temp, { force: true })
    throw err
  }
}

/** Go's JSON writer (docker's) escapes <, > and &: a file written that way keeps its escapes. */
const GO_ESCAPES = /\\u00(3c|3e|26)/i
const goEscape = (json: string) => json.replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`)

export function saveConfig(file: string, { config, indent, eol, newline, text }: Loaded, mode: number): void {
  const json = JSON.stringify(config, null, indent).replace(/\n/g, eol) + newline
  writeSecretFile(file, text && GO_ESCAPES.test(text) ? goEscape(json) : json, mode)
}

/** One section of a config, checked to be an object. */
export function section(config: DockerConfig, name: Section, file: string): Record<string, unknown> | undefined {
  const value = config[name]
  if (value === undefined) return undefined
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new DockerConfigError(`${file}: "${name}" is not a JSON object`)
  return value as Record<string, unknown>
}

/** The entry a CLI logged in to a scratch file of ours stored for `registry`. */
export function storedEntry(file: string, registry: string): Record<string, unknown> | undefined {
  const entry = section(loadConfig(file).config, 'auths', file)?.[registry]
  return typeof entry === 'object' && entry !== null && ('auth' in entry || 'identitytoken' in entry)
    ? (entry as Record<string, unknown>)
    : undefined
}

/** The `auths` entry docker and podman store for a login with a username and a secret. */
export const authEntry = (username: string, secret: string) => ({ auth: Buffer.from(`${username}:${secret}`).toString('base64') })

/** A config holding only `registry`'s credentials: a Kubernetes .dockerconfigjson. */
export function registryOnlyConfig(registry: string, username: string, secret: string): string {
  return JSON.stringify({ auths: { [registry]: authEntry(username, secret) } })
}
