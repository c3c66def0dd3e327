// Produces the registry credentials: a Chainguard token for the identity, or the given pull token.
import * as core from '@actions/core'
import { explainAuthFailure, isAuthFailure } from './errors.js'
import { decodeClaims, expiryOf } from './jwt.js'
import { getIdToken } from './oidc.js'
import { exchangeToken, StsError } from './sts.js'

export type Auth = { kind: 'oidc'; identity: string; audience: string } | { kind: 'pull-token'; username: string; password: string }

/** What the registry credentials are made from. */
export interface TokenRequest {
  auth: Auth
  /** Chainguard environment, e.g. enforce.dev: the issuer is https://issuer.<environment>. */
  environment: string
  /** Registry host[:port] to log in to; also the audience of the Chainguard token. */
  registry: string
}

export interface Credentials {
  /** The identity the registry sees. */
  identity: string
  username: string
  secret: string
  /** RFC 3339, when the secret is a JWT with an expiry. */
  expiresAt?: string
  /** Chainguard tokens for other audiences (apk, libraries); OIDC logins only. */
  tokenFor?: (audience: string) => Promise<string>
}

const onRetry = (message: string) => core.warning(message)

function showClaims(idToken: string, identity: string, status: number): void {
  try {
    for (const line of explainAuthFailure(decodeClaims(idToken), identity, status)) core.info(line)
  } catch {
    core.info("The job's OIDC token is not a JWT, so its claims cannot be shown.")
  }
}

export async function getCredentials(inputs: TokenRequest): Promise<Credentials> {
  const { auth } = inputs
  if (auth.kind === 'pull-token') {
    return { identity: auth.username, username: auth.username, secret: auth.password, expiresAt: expiryOf(auth.password) }
  }
  const issuer = `https://issuer.${inputs.environment}`
  core.info(`Requesting the job's OIDC token for audience ${auth.audience}`)
  const idToken = await getIdToken(auth.audience, process.env, { onRetry })
  const tokenFor = async (audience: string) => {
    try {
      return await exchangeToken({ issuer, identity: auth.identity, audience, idToken }, { onRetry })
    } catch (err) {
      if (err instanceof StsError && isAuthFailure(err.status)) showClaims(idToken, auth.identity, err.status)
      throw err
    }
  }
  core.info(`Exchanging it at ${issuer} for identity ${auth.identity} (audience ${inputs.registry})`)
  const token = await tokenFor(inputs.registry)
  return { identity: auth.identity, username: '_token', secret: token, expiresAt: expiryOf(token), tokenFor }
}
