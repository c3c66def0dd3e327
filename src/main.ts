// The main step: inputs -> registry credentials -> registry login -> chainctl -> outputs.
import * as core from '@actions/core'
import { getCredentials } from './credentials.js'
import { exportHttpAuth } from './envauth.js'
import type { Installed } from './install.js'
import { readInputs } from './inputs.js'
import { loginRegistry } from './login.js'
import { writeSummary, type SummaryFacts } from './summary.js'

const phases: SummaryFacts['phases'] = []
async function timed<T>(name: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now()
  const result = await work()
  phases.push([name, Date.now() - started])
  return result
}

async function run(): Promise<void> {
  const inputs = readInputs()
  const creds = await timed('token', () => getCredentials(inputs))

  const login = await timed('login', () => loginRegistry(inputs, creds))
  core.info(`Logged in to ${inputs.registry} as ${creds.identity}${creds.expiresAt ? `; token expires at ${creds.expiresAt}` : ''}`)

  // Fail fast on images the login cannot pull; a failure here leaves the login for post to undo.
  let digests: Record<string, string> | undefined
  if (inputs.checkImages.length > 0) {
    const { checkImages } = await import('./images.js')
    const puller = { ...creds, registry: inputs.registry, pullToken: inputs.auth.kind === 'pull-token' }
    digests = await timed('check', () => checkImages(inputs.checkImages, puller))
    core.setOutput('digests', JSON.stringify(digests))
  }

  let chainctl: Installed | undefined
  if (inputs.chainctl.install) {
    const { setupChainctl } = await import('./chainctl.js')
    chainctl = await timed('chainctl', () => setupChainctl(inputs.chainctl, creds, inputs.logout))
    core.setOutput('chainctl-version', chainctl.version)
  }
  if (inputs.chainctl.envAuth) await timed('env-auth', () => exportHttpAuth(inputs.chainctl.apkHost, creds))

  core.setOutput('identity', creds.identity)
  core.setOutput('registry', inputs.registry)
  core.setOutput('expires-at', creds.expiresAt ?? '')
  core.setOutput('dockerconfigjson', login.dockerconfigjson)
  if (inputs.outputToken) core.setOutput('token', creds.secret) // masked since it was received

  if (inputs.jobSummary) {
    await writeSummary({
      identity: creds.identity,
      registry: inputs.registry,
      expiresAt: creds.expiresAt,
      via: login.via,
      chainctl,
      digests,
      phases,
    })
  }
}

run().catch((err: unknown) => {
  core.debug(err instanceof Error ? (err.stack ?? err.message) : String(err))
  core.setFailed(err instanceof Error ? err.message : String(err))
})
