// Docker config files: where they are, and changes to them that are atomic (temp file + rename),
// keep mode 0600 and leave unrelated entries byte-for-byte (written back in the file's own
// indentation; docker writes tab-indented JSON).
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'

export type DockerConfig = Record<string, unknown> & {
  auths?: Record<string, { auth?: string }>
  credHelpers?: Record<string, string>
  credsStore?: string
}

export class DockerConfigError extends Error {}

/** The folder docker reads: $DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker')
}

interface Loaded {
  config: DockerConfig
  indent: string
  newline: string
}

function load(file: string): Loaded {
  if (!existsSync(file)) return { config: {}, indent: '\t', newline: '' }
  const text = readFileSync(file, 'utf8')
  let config: unknown
  try {
    config = text.trim() ? JSON.parse(text) : {}
  } catch {
    throw new DockerConfigError(`${file} is not valid JSON; fix or remove it`)
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new DockerConfigError(`${file} is not a JSON object`)
  const indent = /^\{\r?\n([ \t]+)"/.exec(text)?.[1] ?? '\t'
  return { config: config as DockerConfig, indent, newline: text.endsWith('\n') ? '\n' : '' }
}

/** Writes `text` to `file` atomically with mode 0600. */
export function writeSecretFile(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    writeFileSync(temp, text, { mode: 0o600 })
    chmodSync(temp, 0o600) // whatever the umask
    renameSync(temp, file)
  } catch (err) {
    rmSync(temp, { force: true })
    throw err
  }
}

/** Applies `change` to the config in `file` (created if missing) and writes it back atomically. */
export function updateDockerConfig(file: string, change: (config: DockerConfig) => void): void {
  const { config, indent, newline } = load(file)
  change(config)
  writeSecretFile(file, JSON.stringify(config, null, indent) + newline)
}

const basicAuth = (username: string, secret: string) => Buffer.from(`${username}:${secret}`).toString('base64')

/** A config holding only `registry`'s credentials: a Kubernetes .dockerconfigjson. */
export function registryOnlyConfig(registry: string, username: string, secret: string): string {
  return JSON.stringify({ auths: { [registry]: { auth: basicAuth(username, secret) } } })
}

/**
 * Makes an isolated config folder from the user's: their credentials and settings carried over,
 * except credsStore, whose store is shared by every job on the machine. Returns what was dropped.
 */
export function isolateDockerConfig(from: string, to: string): string | undefined {
  const { config } = load(join(from, 'config.json'))
  const dropped = config.credsStore
  delete config.credsStore
  writeSecretFile(join(to, 'config.json'), JSON.stringify(config, null, '\t'))
  return dropped
}
