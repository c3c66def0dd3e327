// Points later steps' Python, JavaScript and Java clients at Chainguard Libraries with a token of
// the job's identity: one more STS exchange (audience = the libraries host), one authenticated
// request per ecosystem so a refused token fails here rather than in the build, then files in a
// folder of the job's own (0600) and variables for later steps. The post step removes the folder.
import * as core from '@actions/core'
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { mavenConf } from './mvn.js'
import { randomBytes } from 'node:crypto'
import type { Credentials } from '../token/credentials.js'
import { expiryOf } from '../token/jwt.js'
import { send } from '../net/http.js'
import { remember } from '../util/state.js'
import { homeDir, jobTemp } from '../util/home.js'
import type { HeldLog } from '../util/heldlog.js'
import { javascript, npmAuth, python, USERNAME, type ClientConfig } from './clients.js'
import { java } from './maven.js'
import type { Ecosystem, LibrariesOptions } from './options.js'
import type { LibrariesUndo } from './undo.js'

export interface Libraries {
  /** Ecosystem -> the clients configured for it. */
  configured: Partial<Record<Ecosystem, string[]>>
  expiresAt?: string
}

const PATHS: Record<Ecosystem, string> = { python: '/python/simple/', javascript: '/javascript/', java: '/java/' }
const NAMES: Record<Ecosystem, string> = { python: 'Python', javascript: 'JavaScript', java: 'Java' }

const readIfThere = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : '')
const home = () => homeDir()

/** One HEAD per ecosystem: a token the index refuses fails the step, naming what to check. */
async function check(ecosystem: Ecosystem, host: string, token: string, identity: string, log: HeldLog): Promise<void> {
  const url = `https://${host}${PATHS[ecosystem]}`
  const authorization = `Basic ${npmAuth(token)}`
  const res = await send(
    { method: 'HEAD', url, headers: { Authorization: authorization } },
    { service: `Chainguard Libraries (${ecosystem})`, onRetry: log.warning },
  )
  if (res.status === 401 || res.status === 403) {
    throw new Error(
      `Chainguard Libraries refused the token of ${identity} for ${ecosystem} (HTTP ${res.status} at ${url}): ` +
        `check that the organization is entitled to Chainguard Libraries for ${NAMES[ecosystem]} and that the identity has a role that can pull them`,
    )
  }
  if (res.status >= 500) throw new Error(`Chainguard Libraries (${ecosystem}) answered HTTP ${res.status} at ${url}`)
}

function configFor(ecosystem: Ecosystem, host: string, token: string, dir: string): ClientConfig {
  switch (ecosystem) {
    case 'python':
      return python(host, token, readIfThere(process.env.NETRC || join(home(), '.netrc')))
    case 'javascript':
      return javascript(
        host,
        token,
        readIfThere(process.env.NPM_CONFIG_USERCONFIG || process.env.npm_config_userconfig || join(home(), '.npmrc')),
      )
    case 'java': {
      if (/\s/.test(dir)) throw new Error(`The runner's temp folder ${dir} has a space in it, which MAVEN_OPTS cannot carry`)
      const conf = mavenConf()
      return { ...java(host, token, readIfThere(join(conf, 'settings.xml')), process.env.MAVEN_OPTS ?? ''), copies: { 'maven-conf': conf } }
    }
  }
}

/** Writes one ecosystem's files into the job's folder and hands its variables to later steps. */
function apply(config: ClientConfig, dir: string): void {
  for (const [name, from] of Object.entries(config.copies ?? {})) cpSync(from, join(dir, name), { recursive: true, dereference: true })
  for (const [name, content] of Object.entries(config.files)) {
    const file = join(dir, name)
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
    rmSync(file, { force: true }) // a copied file keeps its mode when written over: this one is made 0600
    writeFileSync(file, content, { mode: 0o600 })
  }
  for (const [name, value] of Object.entries(config.env)) core.exportVariable(name, value.replaceAll('{dir}', dir))
}

export async function setupLibraries(opts: LibrariesOptions, creds: Credentials, log: HeldLog): Promise<Libraries> {
  if (!creds.tokenFor) throw new Error("Input 'libraries' needs 'identity'") // readInputs refuses it first
  const token = await creds.tokenFor(opts.host) // masked as it arrives
  core.setSecret(npmAuth(token))
  const dir = join(jobTemp(process.env, core.warning), `chainguard-libraries-${randomBytes(6).toString('hex')}`)
  const configs = opts.ecosystems.map((e) => [e, configFor(e, opts.host, token, dir)] as const) // local faults first
  await Promise.all(opts.ecosystems.map((e) => check(e, opts.host, token, creds.identity, log)))

  mkdirSync(dir, { recursive: true, mode: 0o700 })
  remember({ kind: 'libraries', path: dir, ecosystems: opts.ecosystems } satisfies LibrariesUndo)
  const configured: Libraries['configured'] = {}
  for (const [ecosystem, config] of configs) {
    apply(config, dir)
    configured[ecosystem] = config.clients
    log.info(
      `Chainguard Libraries for ${ecosystem}: ${config.clients.join(', ')} use https://${opts.host}${PATHS[ecosystem]} as ${USERNAME}`,
    )
  }
  const expiry = expiryOf(token)
  log.info(
    `The libraries token expires at ${expiry ?? 'an unknown time'} (about an hour): use this action again before a step that starts later`,
  )
  return { configured, expiresAt: expiry }
}
