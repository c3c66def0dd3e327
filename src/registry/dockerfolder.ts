// Which docker config folder the login lands in: docker's default, a folder the user names, or a
// config of the job's own under RUNNER_TEMP that behaves as the user's except for credentials.
import * as core from '@actions/core'
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import { homeDir } from '../util/home.js'
import { registryHost } from './credhelper.js'
import { DockerConfigError, dockerConfigDir, loadConfig, realFile, section, writeSecretFile, type DockerConfig } from './dockerconfig.js'
import { linkOrCopy } from '../util/winfs.js'

/** `~` and `~/...` name the home folder, as in a shell. */
export function expandHome(path: string, home: string | (() => string)): string {
  if (!/^~(?=$|[\\/])/.test(path)) return path
  return join(typeof home === 'string' ? home : home(), path.slice(1))
}

export function isInside(dir: string, parent: string): boolean {
  const rel = relative(resolve(parent), resolve(dir))
  return !isAbsolute(rel) && rel.split(sep)[0] !== '..'
}

const isFolder = (path: string) => statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false

/**
 * Makes `to` a docker config folder of the job's own from the user's `from`: its config.json with
 * every setting and credential except credsStore (whose store every job on the machine shares)
 * and `registry`'s own entries under any spelling (https://cgr.dev, cgr.dev/v2/...), and links to
 * everything else in `from` (contexts, cli-plugins, buildx...), so that docker in later steps
 * behaves as before except for credentials. Links rather than copies: later steps see and change
 * the same contexts and plugins as without isolation, nothing large is copied, and removing the
 * folder removes the links only. Returns the credsStore left out.
 */
export function isolateDockerConfig(from: string, to: string, registry: string): string | undefined {
  mkdirSync(to, { recursive: true, mode: 0o700 })
  const config = withoutRegistry(join(from, 'config.json'), registry)
  const dropped = config.credsStore
  delete config.credsStore
  writeSecretFile(join(to, 'config.json'), JSON.stringify(config, null, '\t'))
  for (const name of existsSync(from) ? readdirSync(from) : []) {
    if (name.startsWith('config.json')) continue // the config, and docker's temp files of it
    const target = resolve(from, name)
    try {
      linkOrCopy(target, join(to, name), isFolder(target)) // Windows service accounts may not make file symbolic links
    } catch (err) {
      core.warning(`The isolated docker config has no ${name}: could not link ${target} (${(err as Error).message})`)
    }
  }
  return dropped
}

/** A config file's settings without `registry`'s own entries, under any spelling. */
function withoutRegistry(file: string, registry: string): DockerConfig {
  const { config } = loadConfig(file)
  for (const name of ['auths', 'credHelpers'] as const) {
    const entries = section(config, name, file) ?? {}
    for (const key of Object.keys(entries)) if (registryHost(key) === registry) delete entries[key]
  }
  return config
}

/**
 * The REGISTRY_AUTH_FILE for later steps of a job with a docker config of its own: that config,
 * unless the job is given an auth file already. One outside RUNNER_TEMP (set for every job in the
 * runner's environment, say) is shared: the job gets a copy of its own without the registry's
 * entries, where podman logs in, and skopeo, buildah and podman still find the user's other logins.
 */
function jobsAuthFile(dir: string, registry: string, work: string, env: NodeJS.ProcessEnv): string {
  const named = env.REGISTRY_AUTH_FILE
  if (!named || named === join(dockerConfigDir(env), 'config.json')) return join(dir, 'config.json')
  if (env.RUNNER_TEMP && isInside(realFile(named), realFile(env.RUNNER_TEMP))) return named
  const copy = join(work, 'containers', 'auth.json')
  writeSecretFile(copy, JSON.stringify(withoutRegistry(realFile(named), registry), null, '\t'))
  return copy
}

function warnIfInWorkspace(dir: string, env: NodeJS.ProcessEnv): void {
  if (env.GITHUB_WORKSPACE && isInside(dir, env.GITHUB_WORKSPACE))
    core.warning(
      `The docker config ${dir} is inside GITHUB_WORKSPACE: the registry credential is written into the checkout, where an artifact upload or a cache can pick it up. Use a folder outside it, or docker-config: isolated.`,
    )
}

/**
 * A shared config whose logins go to a credential store: every job of the user on the machine
 * shares the store, so one job's logout would erase another's login. Refused before any write.
 */
function refuseSharedStore(dir: string, registry: string): void {
  const file = join(dir, 'config.json')
  const { config } = loadConfig(file)
  const store = section(config, 'credHelpers', file)?.[registry] || config.credsStore
  if (typeof store === 'string' && store)
    throw new DockerConfigError(
      `docker-config ${dir} keeps logins in the credential store "${store}", which every job on this machine shares: one job's logout would erase the others'. Use docker-config: isolated (the default on self-hosted runners) or a folder without credsStore.`,
    )
}

/**
 * Picks the docker config folder for `docker-config`, exporting DOCKER_CONFIG when it is not
 * docker's default. Unset, that is docker's default on a GitHub-hosted runner (one job per
 * machine), and a config of the job's own on any other (jobs may share the user's files). A config
 * of the job's own (isolated) is made from the user's. A credential helper goes only into a
 * config of the job's own: registered in a folder other jobs may use, they would find an entry
 * naming a helper they do not have, and one job's post step would take it from another still
 * running. Paths are compared as real paths: a link under RUNNER_TEMP to ~/.docker is shared.
 */
export function chooseDockerConfig(setting: string, registry: string, credentialHelper: boolean, work: string, env = process.env): string {
  const named = expandHome(setting, () => homeDir(env))
  const hosted = env.RUNNER_ENVIRONMENT === 'github-hosted'
  const asked = named === 'isolated'
  const isolated = asked || (!named && !hosted)
  const userDir = resolve(named && !asked ? named : dockerConfigDir(env))
  const jobsOwn = Boolean(named && !asked && env.RUNNER_TEMP && isInside(realFile(userDir), realFile(env.RUNNER_TEMP)))
  const own = isolated || (credentialHelper && !jobsOwn)
  // A folder of the job's own still shares its credential store (a copy of ~/.docker keeps credsStore);
  // the credential helper's credHelpers entry keeps docker out of the store.
  if (!own && !hosted && !credentialHelper) refuseSharedStore(userDir, registry)
  if (!own && !named) {
    warnIfInWorkspace(userDir, env)
    return userDir
  }
  let dir = userDir
  if (own) {
    if (!named && !hosted)
      core.info(
        "Not a GitHub-hosted runner: the login goes to a docker config of this job's own (docker-config: isolated); see docs/shared-runners.md",
      )
    else if (!isolated) core.info("The credential helper is registered in a docker config of this job's own, never in a shared one")
    dir = join(work, 'docker')
    const dropped = isolateDockerConfig(userDir, dir, registry)
    if (dropped)
      (asked ? core.warning : core.info)(
        `The isolated docker config leaves out credsStore "${dropped}": credentials kept in that store are not available in it.`,
      )
    // skopeo and buildah read podman's shared auth file before docker's config: pointing them at
    // the job's own keeps another job's login there from shadowing this one (podman already
    // reads $DOCKER_CONFIG/config.json first).
    const authFile = jobsAuthFile(dir, registry, work, env)
    if (authFile !== env.REGISTRY_AUTH_FILE) core.exportVariable('REGISTRY_AUTH_FILE', authFile)
  } else {
    warnIfInWorkspace(dir, env)
  }
  core.exportVariable('DOCKER_CONFIG', dir) // also sets it for the logins below
  core.info(`DOCKER_CONFIG=${dir} for this and later steps`)
  return dir
}
