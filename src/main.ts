// The main step: inputs -> registry credentials -> registry login -> chainctl -> outputs.
import * as core from '@actions/core'
import { getCredentials } from './credentials.js'
import { readInputs } from './inputs.js'
import { loginRegistry } from './login.js'

async function run(): Promise<void> {
  const inputs = readInputs()
  const creds = await getCredentials(inputs)

  const login = await loginRegistry(inputs, creds)
  core.info(`Logged in to ${inputs.registry} as ${creds.identity}${creds.expiresAt ? `; token expires at ${creds.expiresAt}` : ''}`)

  if (inputs.chainctl.install) {
    const { setupChainctl } = await import('./chainctl.js')
    const chainctl = await setupChainctl(inputs.chainctl, creds)
    core.setOutput('chainctl-version', chainctl.version)
  }

  core.setOutput('identity', creds.identity)
  core.setOutput('registry', inputs.registry)
  core.setOutput('expires-at', creds.expiresAt ?? '')
  core.setOutput('dockerconfigjson', login.dockerconfigjson)
}

run().catch((err: unknown) => {
  core.debug(err instanceof Error ? (err.stack ?? err.message) : String(err))
  core.setFailed(err instanceof Error ? err.message : String(err))
})
