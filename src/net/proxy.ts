// Pure: whether a request goes around the proxy, as NO_PROXY reads in Go (golang.org/x/net/http/httpproxy),
// which docker, skopeo and chainctl use: `*`, host names (with subdomains), `.domain` and `*.domain`
// (subdomains only), IP addresses and CIDR ranges, each with an optional port.
import { BlockList, isIP } from 'node:net'

const defaultPort = (url: URL) => url.port || (url.protocol === 'https:' ? '443' : '80')
const bare = (host: string) => host.replace(/^\[(.*)\]$/, '$1')

/** Splits `host[:port]` (IPv6 in brackets) into host and port. */
function hostPort(entry: string): [string, string | undefined] {
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry)
  return m ? [bare(m[1]), m[2]] : [bare(entry), undefined]
}

function matchesIp(host: string, entry: string): boolean {
  const family = (ip: string) => (isIP(ip) === 6 ? 'ipv6' : 'ipv4')
  if (!isIP(host)) return false
  const [net, prefix] = entry.split('/')
  if (!isIP(net)) return false
  const list = new BlockList()
  if (prefix === undefined) list.addAddress(net, family(net))
  else list.addSubnet(net, Number(prefix), family(net))
  return list.check(host, family(host))
}

/** Whether `url` bypasses the proxy under `noProxy` (NO_PROXY's value). */
export function bypassesProxy(url: URL, noProxy: string): boolean {
  const host = bare(url.hostname.toLowerCase())
  for (const raw of noProxy.split(',')) {
    const item = raw.trim().toLowerCase()
    if (!item) continue
    if (item === '*') return true
    if (item.includes('/')) {
      if (matchesIp(host, item)) return true
      continue
    }
    const [name, port] = hostPort(item)
    if (port && port !== defaultPort(url)) continue
    if (isIP(name)) {
      if (matchesIp(host, name)) return true
      continue
    }
    const suffix = name.replace(/^\*?\./, '.')
    if (host.endsWith(suffix.startsWith('.') ? suffix : `.${suffix}`) || (!suffix.startsWith('.') && host === suffix)) return true
  }
  return false
}

/** NO_PROXY as the action's environment gives it. */
export const noProxyEnv = () => process.env.no_proxy || process.env.NO_PROXY || ''
