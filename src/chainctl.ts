// chainctl for later steps: installed through the tool cache and logged in as the identity for
// the API and the apk and libraries hosts. Loaded only when `install` is on, so a plain registry
// login never pays for it.
import * as core from '@actions/core'
import type { Credentials } from './credentials.js'
import { DEFAULT_TIMEOUT_MS, lastLine, run } from './exec.js'
import type { ChainctlInputs } from './inputs.js'
import { installChainctl, type Installed } from './install.js'
import { remember } from './state.js'

export class ChainctlError extends Error {}

/** chainctl finds the runner's OIDC variables itself: no token on its command line. */
export async function login(
  chainctl: Installed,
  c: ChainctlInputs,
  identity: string,
  audience?: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<void> {
  const args = ['auth', 'login', '--identity', identity, ...(audience ? ['--audience', audience] : []), `-v=${c.verbosity}`]
  const env = c.configPath ? { ...process.env, CHAINCTL_CONFIG: c.configPath } : process.env
  const { code, output } = await run(chainctl.path, args, '', env, timeoutMs)
  if (code !== 0) throw new ChainctlError(`chainctl auth login${audience ? ` --audience ${audience}` : ''} failed: ${lastLine(output)}`)
}

/** `logout`: whether the post step logs chainctl out again. */
export async function setupChainctl(c: ChainctlInputs, creds: Credentials, logout: boolean): Promise<Installed> {
  const chainctl = await installChainctl(c, { onRetry: (m) => core.warning(m) })
  core.info(`chainctl ${chainctl.version} on PATH${chainctl.fromCache ? ' (from the tool cache)' : ''}`)
  if (c.configPath) core.exportVariable('CHAINCTL_CONFIG', c.configPath)
  if (!creds.tokenFor) return chainctl // pull-token logins have no identity to log chainctl in as

  if (logout) remember({ kind: 'chainctl-logout', chainctl: chainctl.path })
  for (const audience of [undefined, c.apkHost, c.librariesHost]) await login(chainctl, c, creds.identity, audience)
  core.info(`chainctl logged in as ${creds.identity} (API, ${c.apkHost}, ${c.librariesHost})`)
  return chainctl
}
