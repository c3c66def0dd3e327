// The job summary: what was logged in and when each phase ran. Never a secret.
import * as core from '@actions/core'

/** A phase of the main step, in ms since the step started. */
export interface Phase {
  name: string
  start: number
  end: number
}

export interface SummaryFacts {
  identity: string
  registry: string
  expiresAt?: string
  via: string[]
  chainctl?: { version: string; fromCache: boolean }
  /** Images checked: reference as written -> manifest digest. */
  digests?: Record<string, string>
  /** Chainguard Libraries: ecosystem -> the clients pointed at them. */
  libraries?: Record<string, string[]>
  phases: Phase[]
}

/** The phases as a text timeline, one row each in the order they started: work done side by side shows as such. */
export function timeline(phases: Phase[], width = 40): string[] {
  const rows = [...phases].sort((a, b) => a.start - b.start)
  const scale = width / Math.max(1, ...rows.map((p) => p.end))
  const names = Math.max(0, ...rows.map((p) => p.name.length))
  const spans = rows.map((p) => `${Math.round(p.start)}-${Math.round(p.end)} ms`)
  const widest = Math.max(0, ...spans.map((s) => s.length))
  return rows.map((p, i) => {
    const from = Math.floor(p.start * scale)
    const bar = ' '.repeat(from) + '#'.repeat(Math.max(1, Math.round(p.end * scale) - from))
    return `${p.name.padEnd(names)}  ${spans[i].padStart(widest)}  |${bar.padEnd(width)}|`
  })
}

export async function writeSummary(f: SummaryFacts): Promise<void> {
  try {
    const rows = [
      ['Identity', f.identity],
      ['Registry', f.registry],
      ['Token expires', f.expiresAt ?? 'no expiry in the token'],
      ['Logged in with', f.via.join(', ') || 'nothing (no container CLI logged in)'],
      ['chainctl', f.chainctl ? `${f.chainctl.version} (${f.chainctl.fromCache ? 'from the tool cache' : 'downloaded'})` : 'not installed'],
    ]
    if (f.libraries)
      rows.push([
        'Chainguard Libraries',
        Object.entries(f.libraries)
          .map(([e, clients]) => `${e} (${clients.join(', ')})`)
          .join('; '),
      ])
    core.summary.addHeading('setup-chainctl', 3).addTable(rows.map(([k, v]) => [{ data: k, header: true }, v]))
    if (f.digests) {
      const header = ['Image checked', 'Digest'].map((data) => ({ data, header: true }))
      core.summary.addTable([header, ...Object.entries(f.digests).map(([image, digest]) => [image, `<code>${digest}</code>`])])
    }
    await core.summary.addRaw('Timings, in ms since the step started:', true).addCodeBlock(timeline(f.phases).join('\n')).write()
  } catch (err) {
    core.warning(`Could not write the job summary: ${(err as Error).message}`)
  }
}
