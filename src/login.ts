// Makes the registry credentials usable by later steps: a docker login (or a refreshing credential
// helper) in the docker config chosen, and a registry-only config file for Kubernetes secrets.
import * as core from '@actions/core'
import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import type { Credentials } from './credentials.js'
import { HELPER_NAME, installHelper } from './credhelper.js'
import { dockerLogin } from './docker.js'
import { dockerConfigDir, isolateDockerConfig, registryOnlyConfig, updateDockerConfig, writeSecretFile } from './dockerconfig.js'
import type { Inputs } from './inputs.js'
import { decodeClaims } from './jwt.js'
import { remember } from './state.js'

export interface RegistryLogin {
  /** The docker config folder holding the login. */
  dockerConfig: string
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

export async function loginRegistry(inputs: Inputs, creds: Credentials): Promise<RegistryLogin> {
  const work = runDir()
  const dockerConfig = chooseDockerConfig(inputs.dockerConfig, work)
  const configFile = join(dockerConfig, 'config.json')

  if (inputs.credentialHelper && inputs.auth.kind === 'oidc') {
    const claims = decodeClaims(creds.secret)
    const settings = {
      issuer: `https://issuer.${inputs.environment}`,
      identity: creds.identity,
      registry: inputs.registry,
      audience: inputs.auth.audience,
      cacheFile: join(work, 'helper', 'token.json'),
    }
    const helperJs = join(dirname(process.argv[1]), '..', 'helper', 'index.js')
    const first = { token: creds.secret, iat: Number(claims.iat ?? Math.floor(Date.now() / 1000)), exp: Number(claims.exp) }
    core.addPath(installHelper(join(work, 'helper'), helperJs, settings, first))
    updateDockerConfig(configFile, (c) => (c.credHelpers = { ...c.credHelpers, [inputs.registry]: HELPER_NAME }))
    if (inputs.logout) remember({ kind: 'unset-helper', configFile, registry: inputs.registry })
    core.info(`Registered credential helper docker-credential-${HELPER_NAME} for ${inputs.registry}: it renews the token as it expires`)
  } else {
    await dockerLogin(inputs.registry, creds.username, creds.secret)
    if (inputs.logout) remember({ kind: 'logout', registry: inputs.registry, dockerConfig: inputs.dockerConfig ? dockerConfig : '' })
  }

  const dockerconfigjson = join(work, 'dockerconfigjson')
  writeSecretFile(dockerconfigjson, registryOnlyConfig(inputs.registry, creds.username, creds.secret))
  return { dockerConfig, dockerconfigjson }
}
