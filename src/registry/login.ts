// Makes the registry credentials usable by later steps: a login of each container CLI (or a
// refreshing credential helper) in the docker config chosen, and a registry-only config file for
// Kubernetes secrets.
import * as core from '@actions/core'
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Credentials, TokenRequest } from '../token/credentials.js'
import { HELPER_NAME, installHelper } from './credhelper.js'
import { setEntry } from './configentry.js'
import { authEntry, loadConfig, realFile, registryOnlyConfig, storedEntry, writeSecretFile } from './dockerconfig.js'
import { chooseDockerConfig } from './dockerfolder.js'
import { decodeClaims } from '../token/jwt.js'
import { cliLogin, LoginError, onPath, podmanAuthFile, storeFailure, type Cli, type Target } from './clis.js'
import { privateDir, remember } from '../util/state.js'
import type { RegistryUndo } from './undo.js'

/** What the registry login needs to know. */
export interface LoginOptions extends TokenRequest {
  /** Whether the post step logs out again. */
  logout: boolean
  /** '' (docker's default), 'isolated' (a config of the job's own) or a folder. */
  dockerConfig: string
  /** Register a refreshing credential helper instead of storing a token. */
  credentialHelper: boolean
  /** Which CLIs log in; `auto`: those of docker and podman found on PATH; none: an empty list. */
  containerCli: { auto: boolean; clis: Cli[] }
}

export interface RegistryLogin {
  /** How later steps get the credentials: the CLIs logged in, or the credential helper. */
  via: string[]
  /** A .dockerconfigjson with only this registry's credentials (0600; removed by the post step). */
  dockerconfigjson: string
}

/** One CLI's login: the real file it ends in, and for docker the credential store that holds its logins, if one does. */
interface Plan {
  cli: Cli
  file: string
  /** The store's helper: docker-credential-<store>. */
  store?: string
}

/**
 * Where each CLI found logs in. podman reads docker's file when DOCKER_CONFIG is set: docker's
 * login there serves podman too (no second writer), unless docker keeps it in a credsStore podman
 * cannot read. Returns the plans and the CLIs served that way.
 */
function plan(inputs: LoginOptions, dockerDir: string): { plans: Plan[]; served: Cli[] } {
  const { auto, clis } = inputs.containerCli
  const found = clis.filter((cli) => !auto || onPath(cli))
  const dockerFile = realFile(join(dockerDir, 'config.json'))
  const config = () => loadConfig(dockerFile).config
  const plans: Plan[] = []
  const served: Cli[] = []
  for (const cli of found) {
    if (cli === 'docker') {
      const { credHelpers, credsStore } = config()
      const store = credHelpers?.[inputs.registry] || credsStore
      plans.push({ cli, file: dockerFile, store: typeof store === 'string' ? store : undefined })
      continue
    }
    const file = realFile(podmanAuthFile(process.env, process.platform, process.getuid?.() ?? -1))
    if (file === dockerFile && found.includes('docker') && (config().credHelpers?.[inputs.registry] || !config().credsStore)) {
      core.info(`podman reads ${file}, docker's config: docker's login there serves podman too`)
      served.push(cli)
    } else {
      plans.push({ cli, file })
    }
  }
  return { plans, served }
}

/**
 * The CLI checks the credentials by logging in to a scratch file of this run's, and the entry it
 * stored there is returned for the action to copy into the real file: no CLI rewrites a user's
 * file (podman would drop every key but auths, and replace a symbolic link; docker every key it
 * does not know). When the docker config keeps credentials in a store, the scratch config names
 * that store: the login goes into it, and the real file is not touched at all.
 */
async function logIn(p: Plan, registry: string, creds: Credentials, work: string): Promise<Record<string, unknown> | undefined> {
  const scratch = join(work, `${p.cli}-login-${randomBytes(6).toString('hex')}`)
  const target: Target = p.cli === 'docker' ? { cli: p.cli, dockerConfig: scratch } : { cli: p.cli, authfile: join(scratch, 'config.json') }
  try {
    // An entry for the registry keeps docker from picking a credential store of its own for an empty config.
    writeSecretFile(
      join(scratch, 'config.json'),
      JSON.stringify({ auths: { [registry]: {} }, ...(p.store ? { credsStore: p.store } : {}) }),
    )
    await cliLogin(target, registry, creds.username, creds.secret).catch((err: unknown) => {
      throw p.store ? storeFailure(err, p.store) : err
    })
    if (p.store) return undefined
    const entry = storedEntry(join(scratch, 'config.json'), registry)
    if (!entry)
      throw new LoginError(`${p.cli} login ${registry} stored no credential in its auth file (is a credential helper configured for it?)`)
    return entry
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

/**
 * Logs the CLIs in, then writes each entry, one at a time; returns the CLIs logged in. docker's
 * login checks the credentials against the registry for podman too: podman's entry is then the
 * one its login would store, written without starting podman. podman logs in only without docker.
 */
async function loginClis(inputs: LoginOptions, creds: Credentials, work: string, dockerDir: string): Promise<string[]> {
  const { registry, logout } = inputs
  const { plans, served } = plan(inputs, dockerDir)
  if (plans.length + served.length === 0) return withoutClis(inputs, creds, work, dockerDir)
  const checked = plans.some((p) => p.cli === 'docker')
  const results = await Promise.allSettled(
    plans.map(async (p) => (p.cli === 'podman' && checked ? authEntry(creds.username, creds.secret) : logIn(p, registry, creds, work))),
  )
  plans.forEach((p, i) => {
    if (p.store && logout && results[i].status === 'fulfilled')
      remember({ kind: 'store-erase', registry, helper: p.store } satisfies RegistryUndo)
  })
  const done: string[] = []
  for (const [i, p] of plans.entries()) {
    const result = results[i]
    if (result.status === 'fulfilled') continue
    // A podman that cannot log in (say, rootless without a user namespace) is a warning, unless
    // the user asked for podman by name.
    if (p.cli === 'docker' || !inputs.containerCli.auto) throw result.reason
    core.warning((result.reason as Error).message)
  }
  for (const [i, p] of plans.entries()) {
    const result = results[i]
    if (result.status === 'rejected') continue
    if (result.value) {
      const undo = setEntry(p.file, 'auths', registry, result.value, logout ? work : undefined)
      if (undo) remember({ kind: 'entry', what: p.cli, ...undo } satisfies RegistryUndo)
    }
    done.push(p.cli)
  }
  return [...done, ...served]
}

/**
 * No CLI logs in. `container-cli: none`: nothing is written but the dockerconfigjson output.
 * Under auto with neither docker nor podman on PATH (GitHub's macOS images), docker's login entry
 * is written to docker's config directly, where crane, oras, cosign, ko and skopeo read it; not
 * when that config sends the registry to a credential store, which those tools would ask instead.
 */
function withoutClis(inputs: LoginOptions, creds: Credentials, work: string, dockerDir: string): string[] {
  const { registry } = inputs
  if (!inputs.containerCli.auto) return [] // the step's log says nothing was logged in
  const file = realFile(join(dockerDir, 'config.json'))
  const { credHelpers, credsStore } = loadConfig(file).config
  const store = credHelpers?.[registry] || credsStore
  if (store) {
    core.warning(
      `No docker or podman on PATH, and ${file} sends ${registry} to docker-credential-${String(store)}: nothing was written; set docker-config: isolated for a config of the job's own, or container-cli: none`,
    )
    return []
  }
  const undo = setEntry(file, 'auths', registry, authEntry(creds.username, creds.secret), inputs.logout ? work : undefined)
  if (undo) remember({ kind: 'entry', what: 'docker config', ...undo } satisfies RegistryUndo)
  core.info(
    `No docker or podman on PATH: wrote the ${registry} login to ${file} for crane, oras, cosign, ko and skopeo (container-cli: none skips this)`,
  )
  return ['docker config']
}

/**
 * Registers the refreshing credential helper for the registry in the docker config. The entry is
 * always undone by the post step, `logout: false` or not: the helper's files go with the job.
 */
function registerHelper(inputs: LoginOptions, creds: Credentials, work: string, dockerDir: string, audience: string): string[] {
  const claims = decodeClaims(creds.secret)
  const settings = {
    issuer: `https://issuer.${inputs.environment}`,
    identity: creds.identity,
    registry: inputs.registry,
    audience,
    cacheFile: join(work, 'helper', 'token.json'),
  }
  // The helper bundle sits beside this one: dist/helper/index.js.
  const helperJs = join(dirname(process.argv[1]), '..', 'helper', 'index.js')
  const first = { token: creds.secret, iat: Number(claims.iat ?? Math.floor(Date.now() / 1000)), exp: Number(claims.exp) }
  core.addPath(installHelper(join(work, 'helper'), helperJs, settings, first))
  const undo = setEntry(join(dockerDir, 'config.json'), 'credHelpers', inputs.registry, HELPER_NAME, work)
  if (undo) remember({ kind: 'entry', what: 'credential helper', ...undo } satisfies RegistryUndo)
  core.info(`Registered credential helper docker-credential-${HELPER_NAME} for ${inputs.registry}: it renews the token as it expires`)
  return ['credential helper']
}

export async function loginRegistry(inputs: LoginOptions, creds: Credentials): Promise<RegistryLogin> {
  const work = privateDir('setup-chainctl-')
  const helper = inputs.credentialHelper && inputs.auth.kind === 'oidc' ? inputs.auth : undefined
  const dockerDir = chooseDockerConfig(inputs.dockerConfig, inputs.registry, Boolean(helper), work)
  const via = helper ? registerHelper(inputs, creds, work, dockerDir, helper.audience) : await loginClis(inputs, creds, work, dockerDir)

  const dockerconfigjson = join(work, 'dockerconfigjson')
  writeSecretFile(dockerconfigjson, registryOnlyConfig(inputs.registry, creds.username, creds.secret))
  return { via, dockerconfigjson }
}
