// What the action does about Chainguard Libraries, as the inputs gave it.

export const ECOSYSTEMS = ['python', 'javascript', 'java'] as const
export type Ecosystem = (typeof ECOSYSTEMS)[number]

export interface LibrariesOptions {
  /** Ecosystems whose clients later steps point at the libraries host; empty: none. */
  ecosystems: Ecosystem[]
  /** host[:port] of Chainguard Libraries, e.g. libraries.cgr.dev; also the token's audience. */
  host: string
}

/**
 * The `libraries` input: ecosystems separated by commas, spaces or lines. `setupPythonKeyring`
 * (upstream's setup-python-keyring: true) adds python: this action's python route replaces the
 * keyring plugin. Returns the ecosystems, or the message for the one it does not know.
 */
export function parseEcosystems(value: string, setupPythonKeyring: boolean): Ecosystem[] | string {
  const names = value.split(/[\s,]+/).filter(Boolean)
  if (setupPythonKeyring) names.push('python')
  const unknown = names.find((n) => !(ECOSYSTEMS as readonly string[]).includes(n))
  if (unknown !== undefined) return `must be a list of ${ECOSYSTEMS.join(', ')}; got ${JSON.stringify(unknown)}`
  return ECOSYSTEMS.filter((e) => names.includes(e)) // one each, in a fixed order
}
