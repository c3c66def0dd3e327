// HTTP_AUTH for apk tooling in later steps: a Chainguard token for the apk host. It needs only an
// STS exchange, so it works with or without chainctl installed.
import * as core from '@actions/core'
import type { Credentials } from './credentials.js'

export async function exportHttpAuth(apkHost: string, creds: Credentials): Promise<void> {
  if (!creds.tokenFor) throw new Error("Input 'env-auth' needs 'identity'") // readInputs refuses it first
  const token = await creds.tokenFor(apkHost) // masked as it arrives
  core.exportVariable('HTTP_AUTH', `basic:${apkHost}:user:${token}`)
  core.info(`HTTP_AUTH exported for ${apkHost}`)
}
