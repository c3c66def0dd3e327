import type { Served } from '../../test/sandbox/http.ts'
import { criticalPath } from '../../test/bench/critical.ts'

let clock = 0
/** A request that started at `start` and took `ms`. */
function req(host: string, url: string, userAgent: string, start: number, ms: number, extra: Partial<Served> = {}): Served {
  clock++
  return {
    host,
    method: 'GET',
    url,
    userAgent,
    start: start + clock / 1000,
    end: start + clock / 1000 + ms,
    status: 200,
    aborted: false,
    ...extra,
  }
}
const action = 'setup-chainctl'
const oidc = (start: number, ms: number, ua = action, jti?: string) =>
  req('127.0.0.1', '/_apis/token?api-version=2.0&audience=issuer.enforce.dev', ua, start, ms, { issued: jti })
const sts = (start: number, ms: number, ua = action, jti?: string) =>
  req('issuer.enforce.dev', '/sts/exchange', ua, start, ms, { presented: jti })

describe('criticalPath', () => {
  it('chains identity -> each CLI login, and identity + install -> the longest chainctl login', () => {
    const served = [
      oidc(0, 100),
      sts(100, 100),
      req('cgr.dev', '/v2/', 'docker/27', 200, 100),
      req('cgr.dev', '/token', 'docker/27', 300, 100),
      req('cgr.dev', '/v2/', 'containers/5', 200, 100),
      req('dl.enforce.dev', '/chainctl/latest/metadata.json', action, 0, 100),
      req('dl.enforce.dev', '/chainctl/0.2.51/chainctl_linux_x86_64', action, 100, 600),
      req('dl.enforce.dev', '/chainctl/0.2.51/chainctl_checksums.txt', action, 100, 100),
      oidc(800, 100, 'chainctl/0.2.51', 'a'),
      oidc(800, 150, 'chainctl/0.2.51', 'b'),
      sts(900, 100, 'chainctl/0.2.51', 'a'),
      sts(950, 120, 'chainctl/0.2.51', 'b'),
    ]
    const cp = criticalPath(served)
    expect(cp.identity).toBeCloseTo(200)
    expect(cp.registry).toBeCloseTo(400) // docker's two requests outweigh podman's one
    expect(cp.install).toBeCloseTo(700)
    expect(cp.chainctl).toBeCloseTo(700 + 270) // login b: 150 + 120
    expect(cp.total).toBeCloseTo(970)
  })

  it('starts the chainctl logins once both the identity and the binary are ready', () => {
    const login = [oidc(0, 100), sts(100, 100), req('cgr.dev', '/v2/', 'docker/27', 200, 900)]
    const chainctl = [oidc(300, 100, 'chainctl/1', 'x'), sts(400, 100, 'chainctl/1', 'x')]
    const slowDownload = criticalPath([
      ...login,
      req('dl.enforce.dev', '/chainctl/0.2.50/chainctl_linux_x86_64', action, 0, 700),
      ...chainctl,
    ])
    expect(slowDownload.chainctl).toBeCloseTo(700 + 200)
    const warm = criticalPath([...login, req('dl.enforce.dev', '/chainctl/latest/metadata.json', action, 0, 50), ...chainctl])
    expect(warm.chainctl).toBeCloseTo(200 + 200) // waits for the identity only
    expect(warm.total).toBeCloseTo(1100) // the registry login is the longest chain
  })

  it('leaves out requests the client abandoned', () => {
    const cp = criticalPath([
      oidc(0, 100),
      sts(100, 100),
      req('dl.enforce.dev', '/chainctl/0.2.50/chainctl_linux_x86_64', action, 0, 5000, { aborted: true }),
    ])
    expect(cp.install).toBe(0)
    expect(cp.total).toBeCloseTo(200)
  })
})
