// Asks the runner for the job's GitHub OIDC token.
import * as core from '@actions/core'
import { jsonObject, send, text, type ClientOptions } from '../net/http.js'

export class OidcError extends Error {}

export async function getIdToken(
  audience: string,
  env: NodeJS.ProcessEnv = process.env,
  { mask = core.setSecret, ...opts }: ClientOptions = {},
): Promise<string> {
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL
  const requestToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN
  if (!url || !requestToken) {
    throw new OidcError(
      "The job has no GitHub OIDC token: add 'permissions: id-token: write' to the job or workflow (a job's own permissions replace the workflow's).",
    )
  }
  mask(requestToken)
  const target = new URL(url)
  target.searchParams.set('audience', audience)
  const res = await send(
    { method: 'GET', url: target.toString(), headers: { Authorization: `Bearer ${requestToken}`, Accept: 'application/json' } },
    { service: 'GitHub OIDC token endpoint', ...opts },
  )
  const value = res.status === 200 ? jsonObject(text(res))?.value : undefined
  if (typeof value !== 'string' || !value) {
    throw new OidcError(`GitHub OIDC token endpoint answered HTTP ${res.status} without a token (expected JSON {"value": "<JWT>"})`)
  }
  mask(value)
  return value
}
