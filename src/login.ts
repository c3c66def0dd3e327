// Makes the registry credentials usable by later steps: a docker login (or a refreshing credential
// helper) in the docker config chosen, and a registry-only config file for Kubernetes secrets.
import * as core from '@actions/core'
import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import type { Credentials } from './credentials.js'
import { HELPER_NAME, installHelper } from './credhelper.js'
import { dockerConfigDir, isolateDockerConfig, registryOnlyConfig, updateDockerConfig, writeSecretFile } from './dockerconfig.js'
import type { Inputs } from './inputs.js'
import { decodeClaims } from './jwt.js'
import { cliLogin, onPath, podmanAuthFile, type Target } from './registrycli.js'
import { remember } from './state.js'

export interface RegistryLogin {
  /** How later steps get the credentials: the CLIs logged in, or the credential helper. */
  via: string[]
  /** A .dockerconfigjson with only this registry's credentials (0600; removed by the post step). */
  dockerconfigjson: string
}

/** A folder of this run's own under RUNNER_TEMP; the post step removes it. */
function runDir(): string {
  const dir = join(process.env.RUNNER_TEMP || resolve('.'), `setup-chainctl-${randomBytes(6).toString('hex')}`)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  remember({ kind: 'remove', path: dir })
  return dir
}

/** Picks the docker config folder, exporting DOCKER_CONFIG when it is not docker's default. */
function chooseDockerConfig(setting: string, work: string): string {
  if (!setting) return dockerConfigDir()
  let dir = resolve(setting)
  if (setting === 'isolated') {
    dir = join(work, 'docker')
    const dropped = isolateDockerConfig(dockerConfigDir(), dir)
    if (dropped)
      core.warning(`The isolated docker config leaves out credsStore "${dropped}": credentials kept in that store are not available in it.`)
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  core.exportVariable('DOCKER_CONFIG', dir) // also sets it for the docker calls below
  core.info(`DOCKER_CONFIG=${dir} for this and later steps`)
  return dir
}

/** The CLIs to log in: those named, or under `auto` the ones found on PATH. */
function targets(inputs: Inputs, dockerConfig: string): Target[] {
  const { auto, clis } = inputs.containerCli
  const found = clis.filter((cli) => !auto || onPath(cli))
  if (found.length === 0)
    core.warning(`No container CLI (${clis.join(', ')}) on PATH: nothing logged in; the dockerconfigjson output still works.`)
  return found.map((cli) =>
    cli === 'docker'
      ? { cli, dockerConfig: inputs.dockerConfig ? dockerConfig : '' }
      : { cli, authfile: podmanAuthFile(process.env, process.platform, process.getuid?.() ?? -1) },
  )
}

/** Logs every target in at once (they are independent); returns the CLIs that did. */
async function loginClis(inputs: Inputs, creds: Credentials, dockerConfig: string): Promise<string[]> {
  const all = targets(inputs, dockerConfig)
  const results = await Promise.allSettled(all.map((t) => cliLogin(t, inputs.registry, creds.username, creds.secret)))
  all.forEach((target, i) => {
    if (results[i].status === 'fulfilled' && inputs.logout) remember({ kind: 'logout', registry: inputs.registry, target })
  })
  const done: string[] = []
  for (const [i, target] of all.entries()) {
    const result = results[i]
    if (result.status === 'fulfilled') {
      done.push(target.cli)
      continue
    }
    // A podman that cannot log in (say, rootless without a user namespace) must not sink the
    // docker login, unless the user asked for podman by name.
    if (target.cli === 'docker' || !inputs.containerCli.auto) throw result.reason
    core.warning((result.reason as Error).message)
  }
  return done
}

/**
 * Registers the refreshing credential helper for the registry in the docker config. The entry is
 * always removed by the post step, `logout: false` or not: the helper's files go with the job.
 */
function registerHelper(inputs: Inputs, creds: Credentials, work: string, configFile: string, audience: string): string[] {
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
  updateDockerConfig(configFile, (c) => (c.credHelpers = { ...c.credHelpers, [inputs.registry]: HELPER_NAME }))
  remember({ kind: 'unset-helper', configFile, registry: inputs.registry })
  core.info(`Registered credential helper docker-credential-${HELPER_NAME} for ${inputs.registry}: it renews the token as it expires`)
  return ['credential helper']
}

export async function loginRegistry(inputs: Inputs, creds: Credentials): Promise<RegistryLogin> {
  const work = runDir()
  const dockerConfig = chooseDockerConfig(inputs.dockerConfig, work)
  const via =
    inputs.credentialHelper && inputs.auth.kind === 'oidc'
      ? registerHelper(inputs, creds, work, join(dockerConfig, 'config.json'), inputs.auth.audience)
      : await loginClis(inputs, creds, dockerConfig)

  const dockerconfigjson = join(work, 'dockerconfigjson')
  writeSecretFile(dockerconfigjson, registryOnlyConfig(inputs.registry, creds.username, creds.secret))
  return { via, dockerconfigjson }
}
