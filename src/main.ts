// The main step: inputs -> registry credentials -> registry login -> image check -> outputs and
// summary, with chainctl installed and logged in alongside.
import * as core from '@actions/core'
import { performance } from 'node:perf_hooks'
import { getCredentials } from './token/credentials.js'
import { exportHttpAuth } from './token/envauth.js'
import { HeldLog } from './util/heldlog.js'
import { readInputs } from './inputs.js'
import { loginRegistry } from './registry/login.js'
import { writeSummary, type Phase } from './summary.js'

const phases: Phase[] = []
async function timed<T>(name: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now() // ms since the step started
  const result = await work()
  phases.push({ name, start, end: performance.now() })
  return result
}

async function run(): Promise<void> {
  const inputs = readInputs()
  const creds = timed('token', () => getCredentials(inputs))
  const login = creds.then((c) => timed('login', () => loginRegistry(inputs, c)))

  // chainctl needs nothing from the registry login until it logs in itself: it is resolved and
  // downloaded meanwhile, and its lines wait for the login's, so the log reads the same every run.
  const cancel = new AbortController()
  const chainctlLog = new HeldLog()
  const chainctl = inputs.chainctl.install
    ? import('./chainctl/setup.js').then(({ setupChainctl }) =>
        setupChainctl(inputs.chainctl, { creds, login, logout: inputs.logout, signal: cancel.signal, log: chainctlLog, timed }),
      )
    : undefined
  chainctl?.catch(() => undefined) // reported below, after the registry login's outcome

  // Chainguard Libraries need only the identity: their exchange and checks run alongside the login.
  const librariesLog = new HeldLog()
  const libraries = inputs.libraries.ecosystems.length
    ? creds.then(async (c) => {
        const { setupLibraries } = await import('./libraries/setup.js')
        return timed('libraries', () => setupLibraries(inputs.libraries, c, librariesLog))
      })
    : undefined
  libraries?.catch(() => undefined) // reported below, in order

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

    chainctlLog.release()
    const installed = await chainctl
    librariesLog.release()
    const configured = (await libraries)?.configured
    if (configured) core.setOutput('libraries', Object.keys(configured).join(','))
    if (installed) core.setOutput('chainctl-version', installed.version)
    if (inputs.chainctl.envAuth) await timed('env-auth', () => exportHttpAuth(inputs.chainctl.apkHost, c))

    core.setOutput('identity', c.identity)
    core.setOutput('registry', inputs.registry)
    core.setOutput('expires-at', c.expiresAt ?? '')
    core.setOutput('dockerconfigjson', registry.dockerconfigjson)
    if (inputs.outputToken) core.setOutput('token', c.secret) // masked since it was received

    if (inputs.jobSummary) {
      const { identity, expiresAt } = c
      await writeSummary({
        identity,
        registry: inputs.registry,
        expiresAt,
        via: registry.via,
        chainctl: installed,
        digests,
        libraries: configured,
        phases,
      })
    }
  } catch (err) {
    // A failed login (or check) stops the download at once, and nothing is cached; chainctl's
    // lines, unless out already, are left unsaid: the step's reason is this failure.
    cancel.abort()
    await Promise.all([chainctl?.catch(() => undefined), libraries?.catch(() => undefined)])
    throw err
  }
}

run().catch((err: unknown) => {
  core.debug(err instanceof Error ? (err.stack ?? err.message) : String(err))
  core.setFailed(err instanceof Error ? err.message : String(err))
})
