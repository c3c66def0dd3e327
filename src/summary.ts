// The job summary: what was logged in and how long each phase took. Never a secret.
import * as core from '@actions/core'

export interface SummaryFacts {
  identity: string
  registry: string
  expiresAt?: string
  via: string[]
  chainctl?: { version: string; fromCache: boolean }
  /** Images checked: reference as written -> manifest digest. */
  digests?: Record<string, string>
  /** Phase name -> milliseconds. */
  phases: Array<[string, number]>
}

export async function writeSummary(f: SummaryFacts): Promise<void> {
  try {
    const rows = [
      ['Identity', f.identity],
      ['Registry', f.registry],
      ['Token expires', f.expiresAt ?? 'no expiry in the token'],
      ['Logged in with', f.via.join(', ') || 'nothing (no container CLI found)'],
      ['chainctl', f.chainctl ? `${f.chainctl.version} (${f.chainctl.fromCache ? 'from the tool cache' : 'downloaded'})` : 'not installed'],
    ]
    core.summary.addHeading('setup-chainctl', 3).addTable(rows.map(([k, v]) => [{ data: k, header: true }, v]))
    if (f.digests) {
      const header = ['Image checked', 'Digest'].map((data) => ({ data, header: true }))
      core.summary.addTable([header, ...Object.entries(f.digests).map(([image, digest]) => [image, `<code>${digest}</code>`])])
    }
    await core.summary.addRaw(`Timings: ${f.phases.map(([name, ms]) => `${name} ${ms} ms`).join(', ')}`, true).write()
  } catch (err) {
    core.warning(`Could not write the job summary: ${(err as Error).message}`)
  }
}
