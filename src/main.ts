// The main step: inputs -> registry credentials -> docker login -> chainctl -> outputs.
import * as core from '@actions/core'
import { getCredentials } from './credentials.js'
import { dockerLogin } from './docker.js'
import { readInputs } from './inputs.js'
import { rememberLogin } from './state.js'

async function run(): Promise<void> {
  const inputs = readInputs()
  const creds = await getCredentials(inputs)

  await dockerLogin(inputs.registry, creds.username, creds.secret)
  if (inputs.logout) rememberLogin(inputs.registry)
  core.info(`Logged in to ${inputs.registry} as ${creds.identity}${creds.expiresAt ? `; token expires at ${creds.expiresAt}` : ''}`)

  if (inputs.chainctl.install) {
    const { setupChainctl } = await import('./chainctl.js')
    const chainctl = await setupChainctl(inputs.chainctl, creds)
    core.setOutput('chainctl-version', chainctl.version)
  }

  core.setOutput('identity', creds.identity)
  core.setOutput('registry', inputs.registry)
  core.setOutput('expires-at', creds.expiresAt ?? '')
}

run().catch((err: unknown) => {
  core.debug(err instanceof Error ? (err.stack ?? err.message) : String(err))
  core.setFailed(err instanceof Error ? err.message : String(err))
})
