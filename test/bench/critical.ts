// The critical path of a main step: the longest chain of requests that must wait for each other,
// from the requests the sandbox's stand-ins served (their own start and end times, so the added
// per-request delay and the transfer of the body count; the client's own work does not).
//
// The model (what waits for what, whatever the action's code does):
// - identity: the action's OIDC token request, then its STS exchange (the registry's audience).
// - registry login: identity, then each container CLI's registry requests one after another (a
//   login's requests are sequential); CLIs log in side by side, so the longest one counts.
// - install: metadata.json (for `latest`), then the binary and the checksums side by side; caching
//   waits for the registry login too, so that a failed login caches nothing.
// - chainctl logins: once the identity is accepted and the binary verified (or found in the tool
//   cache), each login is its own OIDC request then its own STS exchange (paired by the OIDC
//   token's jti); they are independent of each other.
// - critical path: the latest of the registry login, the install and the chainctl logins.
import type { Served } from '../sandbox/http.ts'

export interface CriticalPath {
  identity: number
  registry: number
  install: number
  chainctl: number
  total: number
}

const ms = (s: Served) => s.end - s.start
const sum = (xs: Served[]) => xs.reduce((n, s) => n + ms(s), 0)
const longest = (xs: number[]) => Math.max(0, ...xs)
const isOidc = (s: Served) => s.url.startsWith('/_apis/token')
const isSts = (s: Served) => s.url.startsWith('/sts/exchange')

export function criticalPath(served: Served[], actionAgent = 'setup-chainctl'): CriticalPath {
  const done = served.filter((s) => !s.aborted && s.end > 0).sort((a, b) => a.start - b.start)
  const action = done.filter((s) => s.userAgent === actionAgent)
  const oidc = action.find(isOidc)
  const exchange = action.find(isSts)
  const identity = (oidc ? ms(oidc) : 0) + (exchange ? ms(exchange) : 0)

  const clis = new Map<string, Served[]>()
  for (const s of done.filter((s) => s.host === 'cgr.dev')) clis.set(s.userAgent, [...(clis.get(s.userAgent) ?? []), s])
  const registry = identity + longest([...clis.values()].map(sum))

  const downloads = done.filter((s) => s.url.startsWith('/chainctl/'))
  const metadata = downloads.filter((s) => s.url.endsWith('/metadata.json'))
  const release = downloads.filter((s) => !s.url.endsWith('/metadata.json'))
  const install = sum(metadata) + longest(release.map(ms))

  const logins = done
    .filter((s) => isOidc(s) && s.userAgent !== actionAgent)
    .map((token) => {
      const swap = done.find((s) => isSts(s) && s.presented === token.issued)
      return ms(token) + (swap ? ms(swap) : 0)
    })
  const chainctl = logins.length > 0 ? Math.max(identity, install) + longest(logins) : 0
  return { identity, registry, install, chainctl, total: Math.max(registry, install, chainctl) }
}
