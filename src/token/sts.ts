// Exchanges the job's OIDC token for a Chainguard token at the Chainguard STS.
import * as core from '@actions/core'
import { describeStsFailure } from './errors.js'
import { jsonObject, send, text, type ClientOptions } from '../net/http.js'

export interface Exchange {
  /** e.g. https://issuer.enforce.dev */
  issuer: string
  identity: string
  /** Audience of the Chainguard token: the registry host. */
  audience: string
  idToken: string
}

export class StsError extends Error {
  readonly status: number
  constructor(message: string, status: number) {
    super(message)
    this.status = status
  }
}

export async function exchangeToken(x: Exchange, { mask = core.setSecret, ...opts }: ClientOptions = {}): Promise<string> {
  const res = await send(
    {
      method: 'POST',
      url: `${x.issuer}/sts/exchange`,
      headers: {
        Authorization: `Bearer ${x.idToken}`,
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
      },
      body: new URLSearchParams({ aud: x.audience, identity: x.identity }).toString(),
    },
    { service: 'Chainguard STS', ...opts },
  )
  if (res.status !== 200) {
    throw new StsError(describeStsFailure(res.status, text(res), String(res.headers['content-type'] ?? '')), res.status)
  }
  const token = jsonObject(text(res))?.token
  if (typeof token !== 'string' || !token) {
    throw new StsError('Chainguard STS answered HTTP 200 without a token (expected JSON {"token": "<JWT>"})', 200)
  }
  mask(token)
  return token
}
