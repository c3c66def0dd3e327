// The main step: inputs -> registry credentials -> registry login -> image check -> outputs and
// summary, with chainctl installed and logged in alongside.
import * as core from '@actions/core'
import { performance } from 'node:perf_hooks'
import { getCredentials, type Credentials } from './token/credentials.js'
import { exportHttpAuth } from './token/envauth.js'
import { HeldLog } from './util/heldlog.js'
import { readInputs, type Inputs } from './inputs.js'
import type { Installed } from './chainctl/install.js'
import { loginRegistry } from './registry/login.js'
import { writeSummary, type Phase } from './summary.js'

const phases: Phase[] = []
async function timed<T>(name: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now() // ms since the step started
  const result = await work()
  phases.push({ name, start, end: performance.now() })
  return result
}

/**
 * chainctl and Chainguard Libraries need nothing from the registry login until they log in
 * themselves: they start at once, and their lines wait for the login's, so the log reads the same
 * every run. Each result is awaited (its lines released) only once the login's lines are out.
 */
function startAlongside(inputs: Inputs, creds: Promise<Credentials>, login: Promise<unknown>, signal: AbortSignal) {
  const chainctlLog = new HeldLog()
  const chainctl = inputs.chainctl.install
    ? import('./chainctl/setup.js').then(({ setupChainctl }) =>
        setupChainctl(inputs.chainctl, { creds, login, logout: inputs.logout, signal, log: chainctlLog, timed }),
      )
    : undefined
  // Chainguard Libraries need only the identity: their exchange and checks run alongside the login.
  const librariesLog = new HeldLog()
  const libraries = inputs.libraries.ecosystems.length
    ? creds.then(async (c) => {
        const { setupLibraries } = await import('./libraries/setup.js')
        return timed('libraries', () => setupLibraries(inputs.libraries, c, librariesLog))
      })
    : undefined
  // Reported in order below, after the registry login's outcome.
  chainctl?.catch(() => undefined)
  libraries?.catch(() => undefined)
  return {
    chainctl: () => (chainctlLog.release(), chainctl),
    libraries: () => (librariesLog.release(), libraries),
    settled: () => Promise.all([chainctl?.catch(() => undefined), libraries?.catch(() => undefined)]),
  }
}

async function run(): Promise<void> {
  const inputs = readInputs()
  const creds = timed('token', () => getCredentials(inputs))
  const login = creds.then((c) => timed('login', () => loginRegistry(inputs, c)))
  const cancel = new AbortController()
  const alongside = startAlongside(inputs, creds, login, cancel.signal)

  try {
    const registry = await login
    const c = await creds
    const expiry = c.expiresAt ? `; token expires at ${c.expiresAt}` : ''
    // "Logged in" only when something later steps use holds the login.
    if (registry.via.length > 0) core.info(`Logged in to ${inputs.registry} as ${c.identity}${expiry}`)
    else core.info(`Credentials for ${inputs.registry} as ${c.identity}${expiry}: nothing logged in; use the dockerconfigjson output`)

    // Fail fast on images the login cannot pull; a failure here leaves the login for post to undo.
    let digests: Record<string, string> | undefined
    if (inputs.checkImages.length > 0) {
      const { checkImages } = await import('./images/check.js')
      const puller = { ...c, registry: inputs.registry, pullToken: inputs.auth.kind === 'pull-token' }
      digests = await timed('check', () => checkImages(inputs.checkImages, puller))
      core.setOutput('digests', JSON.stringify(digests))
    }

    const installed = await alongside.chainctl()
    const configured = (await alongside.libraries())?.configured
    if (inputs.chainctl.envAuth) await timed('env-auth', () => exportHttpAuth(inputs.chainctl.apkHost, c))
    setOutputs(inputs, c, registry.dockerconfigjson, installed, configured)
    if (inputs.jobSummary) {
      const { identity, expiresAt } = c
      const [via, registryHost, libraries] = [registry.via, inputs.registry, configured]
      await writeSummary({ identity, registry: registryHost, expiresAt, via, chainctl: installed, digests, libraries, phases })
    }
  } catch (err) {
    // A failed login (or check) stops the download at once, and nothing is cached; chainctl's
    // lines, unless out already, are left unsaid: the step's reason is this failure.
    cancel.abort()
    await alongside.settled()
    throw err
  }
}

function setOutputs(inputs: Inputs, c: Credentials, dockerconfigjson: string, installed?: Installed, configured?: object): void {
  if (configured) core.setOutput('libraries', Object.keys(configured).join(','))
  if (installed) core.setOutput('chainctl-version', installed.version)
  core.setOutput('identity', c.identity)
  core.setOutput('registry', inputs.registry)
  core.setOutput('expires-at', c.expiresAt ?? '')
  core.setOutput('dockerconfigjson', dockerconfigjson)
  if (inputs.outputToken) core.setOutput('token', c.secret) // masked since it was received
}

run().catch((err: unknown) => {
  core.debug(err instanceof Error ? (err.stack ?? err.message) : String(err))
  core.setFailed(err instanceof Error ? err.message : String(err))
})
