// chainctl for later steps, alongside the registry login: resolved and downloaded at once, kept
// (cached, put on PATH) once the registry login succeeded, and logged in as the identity for the
// API and the apk and libraries hosts as soon as both the identity and the binary are ready.
// Loaded only when `install` is on, so a plain registry login never pays for it.
import * as core from '@actions/core'
import type { Credentials } from './credentials.js'
import { DEFAULT_TIMEOUT_MS, lastLine, run } from './exec.js'
import type { HeldLog } from './heldlog.js'
import type { ChainctlInputs } from './inputs.js'
import { dropChainctl, fetchChainctl, keepChainctl, type Installed } from './install.js'
import { remember } from './state.js'

export class ChainctlError extends Error {}

export interface Alongside {
  /** The registry credentials: the identity, once the STS accepted it. */
  creds: Promise<Credentials>
  /** The registry login: only once it succeeded is chainctl cached and put on PATH. */
  login: Promise<unknown>
  /** Whether the post step logs chainctl out again. */
  logout: boolean
  /** Cancels the download and chainctl's logins (the registry login failed). */
  signal: AbortSignal
  log: HeldLog
  timed: <T>(phase: string, work: () => Promise<T>) => Promise<T>
}

/** chainctl finds the runner's OIDC variables itself: no token on its command line. */
export async function login(
  chainctl: Installed,
  c: ChainctlInputs,
  identity: string,
  audience?: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
  signal?: AbortSignal,
): Promise<void> {
  const args = ['auth', 'login', '--identity', identity, ...(audience ? ['--audience', audience] : []), `-v=${c.verbosity}`]
  const env = c.configPath ? { ...process.env, CHAINCTL_CONFIG: c.configPath } : process.env
  const { code, output } = await run(chainctl.path, args, '', env, timeoutMs, signal)
  if (code !== 0) throw new ChainctlError(`chainctl auth login${audience ? ` --audience ${audience}` : ''} failed: ${lastLine(output)}`)
}

/**
 * The three logins at once: each writes only its own audience's token file (chainctl saves a
 * token per audience and reads its config without writing it), so nothing needs serializing.
 */
async function loginAll(chainctl: Installed, c: ChainctlInputs, identity: string, signal: AbortSignal): Promise<void> {
  const logins = [undefined, c.apkHost, c.librariesHost].map((aud) => login(chainctl, c, identity, aud, DEFAULT_TIMEOUT_MS, signal))
  const results = await Promise.allSettled(logins)
  const failed = results.find((r) => r.status === 'rejected')
  if (failed) throw failed.reason
}

export async function setupChainctl(c: ChainctlInputs, a: Alongside): Promise<Installed> {
  const fetched = await a.timed('chainctl download', () => fetchChainctl(c, { onRetry: a.log.warning, signal: a.signal }, a.log.info))
  const kept = a.login.then(() => keepChainctl(fetched, a.log.warning)) // a failed login caches nothing
  kept.catch(() => undefined) // awaited below
  let forPost = false // whether the post step runs the downloaded binary (and then removes it)
  try {
    const creds = await a.creds
    if (c.configPath) core.exportVariable('CHAINCTL_CONFIG', c.configPath)
    forPost = creds.tokenFor !== undefined // pull-token logins have no identity to log chainctl in as
    if (forPost) {
      // A download logs in from where it was verified while it is being cached; the post step
      // logs out with that same binary, then removes it.
      if (fetched.staging) remember({ kind: 'remove', path: fetched.staging })
      if (a.logout) remember({ kind: 'chainctl-logout', chainctl: fetched.path })
      await a.timed('chainctl login', () => loginAll(fetched, c, creds.identity, a.signal))
    }
    const installed = await kept
    a.log.info(`chainctl ${installed.version} on PATH${installed.fromCache ? ' (from the tool cache)' : ''}`)
    if (forPost) a.log.info(`chainctl logged in as ${creds.identity} (API, ${c.apkHost}, ${c.librariesHost})`)
    return installed
  } catch (err) {
    // `logout: false` keeps chainctl logged in for the later steps of a run that succeeds, not of this one.
    if (forPost && !a.logout) remember({ kind: 'chainctl-logout', chainctl: fetched.path })
    throw err
  } finally {
    const drop = () => dropChainctl(fetched)
    // Once cached, or not to be; a download left on PATH goes in the post step.
    const keep = (k: Installed) =>
      k.path === fetched.path && fetched.staging ? remember({ kind: 'remove', path: fetched.staging }) : drop()
    if (!forPost) await kept.then(keep, drop)
  }
}
